// tnet's DNS server end to end, as root in throwaway namespaces: names, aliases, hostnames and links scoped by
// shared networks, PTR, AAAA of dual-stack containers, forwarding to an upstream on the outside host, SERVFAIL,
// changes seen by running processes, the server killed and restored (by apply and by watch), INPUT filtering,
// destroy stopping it.

import * as assert from 'uvu/assert';
import { applyOk, type Sandbox } from '../helpers/sandbox.js';
import { eventually, query, startResident, startUpstream } from '../helpers/dns.js';
import { ipOf, netSuite, OUTSIDE_IP, HOST_IP } from '../helpers/net.js';
import { Watch } from '../helpers/watch.js';

const t = netSuite('dns');

const APP = `version: 1
name: app
bridges:
  app: {subnet: 10.88.0.0/24}
  back: {subnet: 10.89.0.0/24}
containers:
  web:
    hostname: webhost
    networks:
      app: {aliases: [www, frontend]}
    links: ["db:database"]
  api: {bridge: app}
  db:
    networks:
      app: {}
      back: {aliases: [store]}
  cache: {bridge: back}
  legacy: {}
`;

/** Where the server runs, read from its pid file. */
async function serverPid(box: Sandbox): Promise<number | null> {
  const r = await box.sh('cat /run/tnet/dns/server.pid 2>/dev/null');
  const pid = Number(r.stdout.trim());
  if (!pid) return null;
  return (await box.sh(`kill -0 ${pid}`)).code === 0 ? pid : null;
}

/** The server's log and sockets, for a failure's message. */
async function serverState(box: Sandbox): Promise<string> {
  return (await box.sh('cat /run/tnet/dns/server.log; ss -lnup; ss -lntp; cat /run/tnet/dns/server.pid')).stdout;
}

async function addressOn(box: Sandbox, ns: string, dev: string): Promise<string> {
  const out = await box.must(`ip -n ${ns} -j addr show dev ${dev}`);
  return JSON.parse(out)[0].addr_info.find((a: { family: string }) => a.family === 'inet').local;
}

/** The sandbox host's resolver: a file of its own mount namespace over /etc/resolv.conf. */
async function hostResolver(box: Sandbox, ...nameservers: string[]): Promise<void> {
  const text = nameservers.map((n) => `nameserver ${n}\\n`).join('');
  await box.must(`printf '${text}' > /run/host-resolv.conf && mount --bind /run/host-resolv.conf /etc/resolv.conf`);
}

t('containers resolve the containers they share a network with: names, hostnames, aliases, links; others are NXDOMAIN', async ({ box }) => {
  // The upstream knows names like the containers': a container's name must not be forwarded, a link alias of
  // another container is (as Docker does).
  const upstream = await startUpstream(box, 'outside', { cache: ['192.0.2.99'], database: ['192.0.2.98'] });
  await hostResolver(box, OUTSIDE_IP);
  const spec = box.writeSpec('app.yaml', APP);
  await applyOk(box, spec);
  const [web, db, dbBack, cache] = await Promise.all([ipOf(box, 'web'), ipOf(box, 'db'), addressOn(box, 'db', 'eth1'), ipOf(box, 'cache')]);
  assert.match(await box.must('cat /etc/netns/web/resolv.conf'), /^nameserver 10\.88\.0\.1$/m);
  assert.match(await box.must('cat /etc/netns/web/resolv.conf'), /ndots:0/);
  const checks: [string, Promise<{ rcode: string; answers: string[] }>, string, string[]][] = [
    ['api -> db', query(box, 'api', 'db'), 'NOERROR', [db]],
    ['api -> web by name', query(box, 'api', 'web'), 'NOERROR', [web]],
    ['api -> web by hostname', query(box, 'api', 'webhost'), 'NOERROR', [web]],
    ['api -> web by alias', query(box, 'api', 'WWW'), 'NOERROR', [web]],
    ['api -> web.app', query(box, 'api', 'web.app'), 'NOERROR', [web]],
    ['web -> its link alias', query(box, 'web', 'database'), 'NOERROR', [db]],
    ['api -> web\'s link alias (not its own): forwarded', query(box, 'api', 'database'), 'NOERROR', ['192.0.2.98']],
    ['api -> cache (not on app)', query(box, 'api', 'cache'), 'NXDOMAIN', []],
    ['api -> store (db\'s alias on back)', query(box, 'api', 'store'), 'NXDOMAIN', []],
    ['cache -> db on back', query(box, 'cache', 'db'), 'NOERROR', [dbBack]],
    ['cache -> store', query(box, 'cache', 'store'), 'NOERROR', [dbBack]],
    ['db -> cache', query(box, 'db', 'cache'), 'NOERROR', [cache]],
    ['db -> web', query(box, 'db', 'web'), 'NOERROR', [web]],
    ['api -> AAAA web (no IPv6): no data', query(box, 'api', 'web', { type: 'AAAA' }), 'NOERROR', []],
    ['api -> PTR of db', query(box, 'api', `${db.split('.').reverse().join('.')}.in-addr.arpa`, { type: 'PTR' }), 'NOERROR', ['db.app']],
    ['api -> db over TCP', query(box, 'api', 'db', { tcp: true }), 'NOERROR', [db]],
  ];
  const got = await Promise.all(checks.map((c) => c[1]));
  const failures = checks.flatMap(([what, , rcode, answers], i) =>
    got[i].rcode === rcode && JSON.stringify([...got[i].answers].sort()) === JSON.stringify(answers) ? [] : [`${what}: got ${JSON.stringify(got[i])}`],
  );
  upstream.stop();
  assert.equal(failures, [], `${failures.join('\n')}\n${await serverState(box)}`);
  // A resolver as every program uses it (glibc, through /etc/resolv.conf and nsswitch).
  assert.match((await box.must('ip netns exec api getent ahostsv4 frontend')).split('\n')[0], new RegExp(`^${web.replace(/\./g, '\\.')}\\s`));
  // docker0 keeps Docker's behaviour: no server, the upstreams in resolv.conf.
  assert.not.match(await box.must('cat /etc/netns/legacy/resolv.conf'), /nameserver 172\.17\.0\.1/);
  // A second apply changes nothing.
  assert.match(await applyOk(box, spec), /no changes|nothing to do|up to date/i);
});

t('AAAA asked over IPv4 of the gateway: a dual-stack container\'s IPv6 address, NODATA on an IPv4-only network, ip6.arpa PTR', async ({ box }) => {
  // The addresses come from the records: the server answers them whether or not the kernel holds them yet.
  const spec = box.writeSpec('six.yaml', `version: 1
name: six
bridges:
  dual: {subnet: 10.96.0.0/24, subnet6: "fd00:96::/64"}
  plain: {subnet: 10.97.0.0/24}
containers:
  a: {bridge: dual}
  b: {bridge: dual, hostname: bee}
  both:
    networks:
      dual: {aliases: [svc]}
      plain: {}
  c: {bridge: plain}
`);
  await applyOk(box, spec);
  const bothPlain = await addressOn(box, 'both', 'eth1');
  const ptr = (ip6: string) => `${[...ip6.replace('::', ':0:0:0:0:0:').split(':').map((g) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
  const checks: [string, Promise<{ rcode: string; answers: string[] }>, string, string[]][] = [
    ['a -> AAAA b', query(box, 'a', 'b', { type: 'AAAA' }), 'NOERROR', ['fd00:96::3']],
    ['a -> AAAA bee (hostname)', query(box, 'a', 'bee', { type: 'AAAA' }), 'NOERROR', ['fd00:96::3']],
    ['a -> AAAA svc (alias)', query(box, 'a', 'svc', { type: 'AAAA' }), 'NOERROR', ['fd00:96::4']],
    ['a -> AAAA both.dual over TCP', query(box, 'a', 'both.dual', { type: 'AAAA', tcp: true }), 'NOERROR', ['fd00:96::4']],
    ['a -> A b still', query(box, 'a', 'b'), 'NOERROR', ['10.96.0.3']],
    ['c -> AAAA both (shared on plain, IPv4 only): no data', query(box, 'c', 'both', { type: 'AAAA' }), 'NOERROR', []],
    ['c -> A both', query(box, 'c', 'both'), 'NOERROR', [bothPlain]],
    ['c -> AAAA a (not shared)', query(box, 'c', 'a', { type: 'AAAA' }), 'NXDOMAIN', []],
    ['both -> AAAA c: no data', query(box, 'both', 'c', { type: 'AAAA' }), 'NOERROR', []],
    ['a -> PTR of b\'s IPv6 address', query(box, 'a', ptr('fd00:96::3'), { type: 'PTR' }), 'NOERROR', ['b.dual']],
    ['c -> PTR of b\'s IPv6 address (not shared)', query(box, 'c', ptr('fd00:96::3'), { type: 'PTR' }), 'NXDOMAIN', []],
  ];
  const got = await Promise.all(checks.map((c) => c[1]));
  const failures = checks.flatMap(([what, , rcode, answers], i) =>
    got[i].rcode === rcode && JSON.stringify([...got[i].answers].sort()) === JSON.stringify(answers) ? [] : [`${what}: got ${JSON.stringify(got[i])}`],
  );
  assert.equal(failures, [], `${failures.join('\n')}\n${await serverState(box)}`);
  assert.match(await box.must('cat /etc/netns/a/resolv.conf'), /^nameserver 10\.96\.0\.1$/m, 'the server is named by its IPv4 gateway');
  assert.match(await box.must('ip netns exec b cat /etc/hosts'), /^10\.96\.0\.3\tbee\nfd00:96::3\tbee$/m);
  assert.match(await applyOk(box, spec), /no changes|nothing to do|up to date/i);
});

t('other names go to the upstreams: the container\'s dns, else the host\'s; a dead upstream is SERVFAIL at once, a truncated answer is fetched over TCP', async ({ box }) => {
  const upstream = await startUpstream(box, 'outside', { 'example.test': ['192.0.2.10'] });
  try {
    await hostResolver(box, OUTSIDE_IP, '127.0.0.53');
    const spec = box.writeSpec('fwd.yaml', `version: 1
name: fwd
bridges:
  app: {subnet: 10.88.0.0/24}
  shut: {subnet: 10.87.0.0/24, internal: true}
containers:
  a: {bridge: app}
  mine: {bridge: app, dns: ["${OUTSIDE_IP}"]}
  dead: {bridge: app, dns: ["198.18.0.77"]}
  noroute: {bridge: app, dns: ["203.0.113.9"]}
  closed: {bridge: shut}
`);
    await applyOk(box, spec);
    assert.equal(await query(box, 'a', 'example.test').then((r) => [r.rcode, r.answers]), ['NOERROR', ['192.0.2.10']]);
    assert.equal(await query(box, 'mine', 'example.test').then((r) => [r.rcode, r.answers]), ['NOERROR', ['192.0.2.10']]);
    assert.is((await query(box, 'a', 'nowhere.test')).rcode, 'NXDOMAIN');
    const big = await query(box, 'a', 'big.test', { tcp: true });
    assert.equal([big.rcode, big.answers.length], ['NOERROR', 60], JSON.stringify(big));
    const dead = await query(box, 'dead', 'example.test', { waitMs: 8000 });
    assert.is(dead.rcode, 'SERVFAIL', JSON.stringify(dead));
    assert.ok(dead.ms < 4000, `SERVFAIL after ${dead.ms} ms`);
    // An upstream the host has no route to fails at once, and the server goes on serving.
    const noroute = await query(box, 'noroute', 'example.test');
    assert.equal([noroute.rcode, noroute.ms < 1000], ['SERVFAIL', true], JSON.stringify(noroute));
    assert.equal((await query(box, 'a', 'example.test')).answers, ['192.0.2.10']);
    // Only on internal networks: names of its network still, nothing from outside (as Docker since CVE-2024-29018).
    const closed = await query(box, 'closed', 'example.test', { waitMs: 8000 });
    assert.is(closed.rcode, 'SERVFAIL', JSON.stringify(closed));
  } finally {
    upstream.stop();
  }
});

t('a container added, renumbered or removed is seen at once by processes already running; hosts files are rewritten in place', async ({ box }) => {
  const base = `version: 1
name: live
bridges:
  app: {subnet: 10.88.0.0/24}
containers:
  web: {bridge: app}
`;
  // Names tnet does not serve are forwarded: here to an upstream that knows none.
  const upstream = await startUpstream(box, 'outside', {});
  await hostResolver(box, OUTSIDE_IP);
  const spec = box.writeSpec('live.yaml', base);
  await applyOk(box, spec);
  const resident = startResident(box, 'web', 'newbie', 'extra.test');
  try {
    assert.ok(await eventually(() => resident.lines.some((l) => l.startsWith('NXDOMAIN')), 5000), resident.lines.join('\n'));
    box.writeSpec('live.yaml', base.replace('  web: {bridge: app}', '  web: {bridge: app, extraHosts: ["extra.test:192.0.2.44"]}') + '  newbie: {bridge: app, ip: 10.88.0.50}\n');
    await applyOk(box, spec);
    assert.ok(await eventually(() => resident.lines.includes('NOERROR 10.88.0.50 hosts:true'), 3000), resident.lines.join('\n'));
    box.writeSpec('live.yaml', base + '  newbie: {bridge: app, ip: 10.88.0.51}\n');
    await applyOk(box, spec);
    assert.ok(await eventually(() => resident.lines.includes('NOERROR 10.88.0.51 hosts:false'), 3000), resident.lines.join('\n'));
    box.writeSpec('live.yaml', base);
    await applyOk(box, spec);
    assert.ok(await eventually(() => resident.lines.at(-1) === 'NXDOMAIN  hosts:false', 3000), resident.lines.join('\n'));
  } finally {
    resident.stop();
    upstream.stop();
  }
});

t('one server for every spec, outliving tnet; kill -9 is repaired by the next apply; destroy of the last spec stops it', async ({ box }) => {
  const a = box.writeSpec('a.yaml', 'version: 1\nname: one\nbridges:\n  n1: {subnet: 10.91.0.0/24}\ncontainers:\n  x1: {bridge: n1}\n  y1: {bridge: n1}\n');
  const b = box.writeSpec('b.yaml', 'version: 1\nname: two\nbridges:\n  n2: {subnet: 10.92.0.0/24}\ncontainers:\n  x2: {bridge: n2}\n  y2: {bridge: n2}\n');
  await applyOk(box, a);
  const first = await serverPid(box);
  assert.ok(first, 'the server runs after apply');
  await applyOk(box, b);
  assert.is(await serverPid(box), first, 'one server for both specs');
  assert.equal((await query(box, 'x2', 'y2')).answers, [await ipOf(box, 'y2')]);
  assert.is((await query(box, 'x2', 'y1')).rcode, 'NXDOMAIN', 'another spec\'s network is not shared');
  await box.must(`kill -9 ${first}`);
  assert.is((await query(box, 'x1', 'y1', { waitMs: 1500 })).rcode, 'TIMEOUT');
  const plan = await box.tnet('plan', '-f', a);
  assert.match(plan.stdout, /DNS server/);
  await applyOk(box, a);
  assert.equal((await query(box, 'x1', 'y1')).answers, [await ipOf(box, 'y1')]);
  assert.equal((await query(box, 'x2', 'y2')).answers, [await ipOf(box, 'y2')], 'the restarted server serves both specs');
  const second = await serverPid(box);
  assert.ok(second && second !== first);
  assert.is((await box.tnet('destroy', '-f', a)).code, 0);
  assert.is(await serverPid(box), second, 'still needed by the other spec');
  assert.is((await box.tnet('destroy', '-f', b)).code, 0);
  assert.ok(await eventually(async () => (await serverPid(box)) === null, 3000), 'destroy of the last spec stops the server');
});

t('tnet watch starts the server again when it is killed', async ({ box }) => {
  const spec = box.writeSpec('w.yaml', 'version: 1\nname: w\nbridges:\n  n1: {subnet: 10.93.0.0/24}\ncontainers:\n  x: {bridge: n1}\n  y: {bridge: n1}\n');
  const w = Watch.start(box, spec);
  try {
    await w.waitFor((l) => /applied|no changes/.test(l.message), 20000);
    const pid = await serverPid(box);
    assert.ok(pid);
    await box.must(`kill -9 ${pid}`);
    const y = await ipOf(box, 'y');
    assert.ok(await eventually(async () => (await query(box, 'x', 'y', { waitMs: 500 })).answers[0] === y, 8000), w.dump());
    assert.is.not(await serverPid(box), pid);
  } finally {
    await w.kill();
  }
});

t('with INPUT dropping by default, DNS from the bridges reaches the server, and only from them', async ({ box }) => {
  await box.must('iptables -P INPUT DROP');
  const spec = box.writeSpec('fw.yaml', 'version: 1\nname: fw\nbridges:\n  n1: {subnet: 10.94.0.0/24}\ncontainers:\n  x: {bridge: n1}\n  y: {bridge: n1}\n');
  await applyOk(box, spec);
  assert.equal((await query(box, 'x', 'y')).answers, [await ipOf(box, 'y')]);
  // The outside host, given a route to the bridge's gateway, is not let in.
  await box.must(`ip -n outside route add 10.94.0.0/24 via ${HOST_IP}`);
  const outside = await query(box, 'outside', 'y', { server: '10.94.0.1', waitMs: 1500 });
  assert.is(outside.rcode, 'TIMEOUT', JSON.stringify(outside));
  assert.match(await box.must('iptables-save -t filter'), /-A TNET-INPUT -d 10\.94\.0\.1\/32 -i n1 -p udp -m udp --dport 53 -m comment --comment "?tnet:fw"? -j ACCEPT/);
});

t('port 53 held by another program: the apply fails with error[dns], exit 1, and leaves the host as it was', async ({ box }) => {
  // Another resolver on every address of the host, as a dnsmasq without bind-interfaces holds it.
  const holder = box.spawn([process.execPath, '-e', "require('dgram').createSocket('udp4').bind(53, '0.0.0.0', () => console.log('ready'))"]);
  await new Promise<void>((ok) => holder.stdout!.once('data', () => ok()));
  try {
    // Links, addresses, files tnet writes, rules (a table with only its empty built-in chains is no table, as
    // the rollback tests count it) and who listens on port 53: the started server must be gone again.
    const state = async () => {
      const out = (await box.sh(`ip -br link; ip -br addr; find /etc/netns /run/tnet/dns/specs -type f 2>/dev/null | sort
iptables-save | grep -v '^#' | sed 's/ \\[[0-9]*:[0-9]*\\]$//'; ss -Hlnup 'sport = :53' | awk '{print $5, $7}'`)).stdout;
      return out.replace(/^\*\w+\n(?::[A-Z]+ ACCEPT\n)*COMMIT\n/gm, '');
    };
    const before = await state();
    const spec = box.writeSpec('held.yaml', 'version: 1\nname: held\nbridges:\n  n1: {subnet: 10.95.0.0/24}\ncontainers:\n  x: {bridge: n1}\n');
    const r = await box.tnet('apply', '-f', spec);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error\[dns\]: tnet's DNS server did not take its records: .*10\.95\.0\.1:53.*EADDRINUSE/m);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.is(await state(), before, 'the host as it was');
  } finally {
    holder.kill('SIGKILL');
  }
});

t.run();
