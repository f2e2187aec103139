// End to end, as root in throwaway namespaces: the quickstart applied, pinged, re-applied, drifted, pruned, destroyed.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyOk, Sandbox, TNET } from '../helpers/sandbox.js';

const QUICKSTART = readFileSync('examples/quickstart.yaml', 'utf8');
const t = suite<{ box: Sandbox; spec: string }>('core');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.spec = ctx.box.writeSpec('quickstart.yaml', QUICKSTART);
});
t.after.each(async (ctx) => {
  await ctx.box.destroy();
});

// Kernel state as `ip -j` prints it, minus what the kernel changes by itself over time (timers, DAD).
const state = async (box: Sandbox) =>
  (await box.must('ip -j -d addr show; for n in $(ls /run/netns | sort); do echo "== $n"; ip -n $n -j -d addr show; ip -n $n -j route show; done; find /etc/netns -type f | sort | xargs cat'))
    .replace(/"\w+_timer":[\d.]+,?/g, '')
    .replace(/"tentative":true,/g, '');

// Names, states, IPv4 addresses and routes everywhere, without ifindexes, link order and random host-side MACs.
const brief = async (box: Sandbox) =>
  (await box.must('ip -br link; ip -4 -br addr; for n in $(ls /run/netns); do ip -n $n -4 -br addr | sed "s/^/$n /"; ip -n $n route | sed "s/^/$n /"; done'))
    .replace(/@if\d+/g, '')
    .replace(/^(veth\S+\s+\S+\s+)\S+/gm, '$1MAC')
    .split('\n').map((l) => l.trimEnd()).sort().join('\n');

t('quickstart: every network mode wired as Docker wires it, and containers reach each other', async ({ box, spec }) => {
  await applyOk(box, spec);
  // bridge mode: eth0 with an address from the subnet, default route via the gateway
  const addr = await box.json(`ip -n nginx-2 -j addr show eth0`);
  assert.equal(addr[0].addr_info.filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`), ['172.17.0.3/16']);
  const routes = await box.json(`ip -n nginx-2 -j route show default`);
  assert.is(routes[0].gateway, '172.17.0.1');
  const n1 = (await box.json(`ip -n nginx-1 -j addr show eth0`))[0].addr_info[0].local;
  assert.is(n1, '172.17.0.2', 'the first free address, skipping the gateway');
  // veth host ends enslaved to docker0, named within 15 characters
  const ports = await box.json(`ip -j link show master docker0`);
  assert.is(ports.length, 2);
  for (const p of ports) assert.ok(p.ifname.length <= 15);
  // connectivity: container to container, to the gateway, host to container
  assert.ok(await box.ping('nginx-2', '172.17.0.2'), 'nginx-2 -> nginx-1');
  assert.ok(await box.ping('nginx-1', '172.17.0.1'), 'nginx-1 -> gateway');
  assert.ok(await box.ping(null, '172.17.0.3'), 'host -> nginx-2');
  // container:X shares nginx-1's namespace: same kernel namespace under its own name
  const same = await box.must(`stat -L -c %i /run/netns/sidecar /run/netns/nginx-1 | uniq | wc -l`);
  assert.is(same.trim(), '1');
  // none: only lo, up
  const iso = await box.json(`ip -n isolated -j link show`);
  assert.equal(iso.map((l: any) => l.ifname), ['lo']);
  assert.ok(iso[0].flags.includes('UP'));
  // host: no namespace of its own
  assert.not.ok((await box.sh('test -e /run/netns/tools')).code === 0);
  // hosts and resolv.conf, seen through `tnet exec`, as Docker writes them
  const hosts = await box.tnet('exec', 'nginx-2', '--', 'cat', '/etc/hosts');
  assert.match(hosts.stdout, /^172\.17\.0\.2\tweb nginx-1$/m);
  assert.match(hosts.stdout, /^172\.17\.0\.3\tweb2$/m);
  assert.match(hosts.stdout, /^127\.0\.0\.1\tlocalhost$/m);
  const resolv = await box.tnet('exec', 'nginx-2', '--', 'cat', '/etc/resolv.conf');
  assert.match(resolv.stdout, /^nameserver 192\.0\.2\.53$/m);
  assert.match(resolv.stdout, /^search example\.com$/m);
  // links resolve by alias inside the container
  assert.is((await box.tnet('exec', 'nginx-2', '--', 'ping', '-c1', '-W1', 'web')).code, 0);
});

t('bridges tnet makes arm no forward-delay timer: a port forwards at once, and the kernel does not restate it 15 s later', async ({ box, spec }) => {
  await applyOk(box, spec);
  const bridges = (await box.json('ip -j -d link show type bridge')) as { ifname: string; linkinfo: { info_data: { forward_delay: number; stp_state: number } } }[];
  assert.ok(bridges.length > 0);
  for (const b of bridges) assert.equal([b.ifname, b.linkinfo.info_data.forward_delay, b.linkinfo.info_data.stp_state], [b.ifname, 0, 0]);
  const ports = (await box.json('ip -j -d link show type veth')) as { ifname: string; linkinfo: { info_slave_kind?: string; info_slave_data?: { state: string; forward_delay_timer: number } } }[];
  const enslaved = ports.filter((p) => p.linkinfo.info_slave_kind === 'bridge');
  assert.ok(enslaved.length > 0);
  for (const p of enslaved) assert.equal([p.ifname, p.linkinfo.info_slave_data!.state, p.linkinfo.info_slave_data!.forward_delay_timer], [p.ifname, 'forwarding', 0]);
});

t('a second apply performs no action and leaves identical kernel state', async ({ box, spec }) => {
  await applyOk(box, spec);
  const before = await state(box);
  const out = await applyOk(box, spec);
  assert.match(out, /No changes/);
  assert.is(await state(box), before);
  const plan = await box.tnet('plan', '-f', spec, '--exit-code');
  assert.is(plan.code, 0, plan.stdout);
});

t('plan --exit-code says 2 before apply; --dry-run changes nothing', async ({ box, spec }) => {
  const plan = await box.tnet('plan', '-f', spec, '--exit-code');
  assert.is(plan.code, 2);
  assert.match(plan.stdout, /\+ bridge docker0/);
  const dry = await box.tnet('apply', '-f', spec, '--dry-run');
  assert.is(dry.code, 0);
  assert.is((await box.sh('ip link show docker0')).code, 1, 'dry run created nothing');
});

t('drift: a veth deleted by hand comes back; --deep also finds an address removed inside', async ({ box, spec }) => {
  await applyOk(box, spec);
  const before = await brief(box);
  const veth = (await box.json(`ip -j link show master docker0`))[0].ifname;
  await box.must(`ip link del ${veth}`);
  const out = await applyOk(box, spec);
  assert.match(out, /\+ veth/);
  assert.ok(await box.ping('nginx-2', '172.17.0.2'));
  assert.match(await applyOk(box, spec), /No changes/);
  // Inside a namespace the seal on the host end vouches for, only a deep look sees a hand edit.
  await box.must(`ip -n nginx-2 addr flush dev eth0`);
  assert.is((await box.tnet('plan', '--deep', '--exit-code', '-f', spec)).code, 2);
  const deep = await box.tnet('apply', '--deep', '-f', spec);
  assert.is(deep.code, 0, deep.stderr);
  assert.match(deep.stdout, /\+ address 172\.17\.0\.3\/16 on nginx-2:eth0/);
  assert.ok(await box.ping('nginx-2', '172.17.0.2'));
  assert.match((await box.tnet('apply', '--deep', '-f', spec)).stdout, /No changes/);
  // veth names, container MACs and addresses are deterministic: the repaired host is the original one
  assert.is(await brief(box), before);
});

t('prune: a removed container loses namespace, veth and files; the others keep their addresses', async ({ box }) => {
  const three = box.writeSpec('lab.yaml', `version: 1
containers:
  a: {}
  b: {}
  c: {}
`);
  await applyOk(box, three);
  const ipOf = async (n: string) => (await box.json(`ip -n ${n} -j addr show eth0`))[0].addr_info[0].local;
  const [a, c] = [await ipOf('a'), await ipOf('c')];
  const bVeth = await box.must(`ip -j link show master docker0 | grep -o '"ifname":"[^"]*"' | wc -l`);
  assert.is(bVeth.trim(), '3');
  box.writeSpec('lab.yaml', `version: 1
containers:
  a: {}
  c: {}
  d: {}
`);
  await applyOk(box, three);
  assert.is((await box.sh('test -e /run/netns/b')).code, 1, 'namespace b removed');
  assert.is((await box.sh('test -e /etc/netns/b')).code, 1, 'files of b removed');
  assert.is(await ipOf('a'), a);
  assert.is(await ipOf('c'), c, 'c keeps its address although b went away');
  assert.is(await ipOf('d'), '172.17.0.3', 'd takes the first free address, the one b left');
  const ports = await box.json(`ip -j link show master docker0`);
  assert.is(ports.length, 3);
});

t('prune while a process still holds the namespace: its veth is deleted all the same', async ({ box }) => {
  const spec = box.writeSpec('held.yaml', 'version: 1\ncontainers:\n  a: {}\n  b: {}\n');
  await applyOk(box, spec);
  await box.must('ip netns exec b sleep 300 > /dev/null 2>&1 &');
  box.writeSpec('held.yaml', 'version: 1\ncontainers:\n  a: {}\n');
  await applyOk(box, spec);
  assert.is((await box.sh('test -e /run/netns/b')).code, 1, 'the name is gone');
  const ports = await box.json(`ip -j link show master docker0`);
  assert.is(ports.length, 1, 'only a\'s veth is left on the bridge');
  assert.match(await applyOk(box, spec), /No changes/);
});

t('an external bridge is attached to, never changed or deleted; ipRange, mac, mtu, extraHosts and dnsOptions land', async ({ box }) => {
  await box.must('ip link add br-ext type bridge; ip addr add 10.50.0.1/24 dev br-ext; ip link set br-ext up');
  // What tnet could change on it (the kernel itself moves a portless bridge's MAC and carrier).
  const settings = async () => {
    const [l] = await box.json('ip -j addr show br-ext');
    return JSON.stringify([l.mtu, l.flags.includes('UP'), l.ifalias ?? null, l.master ?? null, l.addr_info.filter((a: any) => a.family === 'inet')]);
  };
  const before = await settings();
  const spec = box.writeSpec('ext.yaml', `version: 1
bridges:
  br-ext:
    external: true
    subnet: 10.50.0.0/24
    gateway: 10.50.0.1
    ipRange: 10.50.0.128/25
containers:
  a:
    mac: 02:00:00:00:aa:01
    mtu: 1400
    hostname: a.example.org
    extraHosts: ["db.local:192.0.2.10"]
    dnsOptions: [ndots:2]
  b: {}
`);
  await applyOk(box, spec);
  const eth = (await box.json('ip -n a -j addr show eth0'))[0];
  assert.is(eth.addr_info.find((x: any) => x.family === 'inet').local, '10.50.0.128', 'the first address of ipRange');
  assert.is(eth.address, '02:00:00:00:aa:01');
  assert.is(eth.mtu, 1400);
  assert.ok(await box.ping('b', '10.50.0.1'), 'containers reach the external bridge\'s gateway');
  const hosts = (await box.tnet('exec', 'a', '--', 'cat', '/etc/hosts')).stdout;
  assert.match(hosts, /^192\.0\.2\.10\tdb\.local$/m);
  assert.match(hosts, /^10\.50\.0\.128\ta\.example\.org a$/m);
  assert.match((await box.tnet('exec', 'a', '--', 'cat', '/etc/resolv.conf')).stdout, /^options ndots:2$/m);
  assert.match(await applyOk(box, spec), /No changes/);
  assert.is((await box.tnet('destroy', '-f', spec)).code, 0);
  assert.is(await settings(), before, 'the external bridge is as it was');
  assert.is((await box.sh('ip link show br-ext')).code, 0);
});

t('foreign bridge, veth and namespace survive apply, prune and destroy', async ({ box, spec }) => {
  await box.must(`ip link add br-foreign type bridge; ip link add vfa type veth peer name vfb; ip netns add foreign; ip link set vfa master br-foreign`);
  await applyOk(box, spec);
  const destroy = await box.tnet('destroy', '-f', spec);
  assert.is(destroy.code, 0, destroy.stderr);
  await box.must(`ip link show br-foreign; ip link show vfa; ip link show vfb; test -e /run/netns/foreign`);
  assert.is((await box.sh('ip link show docker0')).code, 1, 'docker0 destroyed');
  assert.is((await box.sh('ls /run/netns')).stdout.trim(), 'foreign');
  assert.is((await box.sh('ls /etc/netns')).stdout.trim(), '');
  const again = await box.tnet('destroy', '-f', spec);
  assert.match(again.stdout, /No changes/);
});

t('an unmarked bridge in the way makes apply fail and change nothing', async ({ box, spec }) => {
  await box.must('ip link add docker0 type bridge');
  const r = await box.tnet('apply', '-f', spec);
  assert.is(r.code, 3);
  assert.match(r.stderr, /bridge docker0 already exists/);
  assert.is((await box.sh('ls /run/netns 2>/dev/null')).stdout.trim(), '', 'no namespace created');
});

t('an existing namespace given by netns: is wired, and survives prune', async ({ box }) => {
  // A process in its own namespace, as `docker run --net=none` leaves it.
  // Its own pid, not a search by name: a sleeper another test left behind may match too.
  const pid = (await box.must('unshare -n sleep 300 > /dev/null 2>&1 & echo $!')).trim();
  await box.must(`for i in $(seq 50); do [ "$(readlink /proc/${pid}/ns/net)" != "$(readlink /proc/self/ns/net)" ] && exit 0; sleep 0.02; done; exit 1`);
  const spec = box.writeSpec('byhand.yaml', `version: 1
containers:
  web:
    netns: /proc/${pid}/ns/net
    ip: 172.17.0.99
`);
  await applyOk(box, spec);
  assert.ok(await box.ping(null, '172.17.0.99'));
  const inside = await box.must(`nsenter --net=/proc/${pid}/ns/net ip -j addr show eth0`);
  assert.match(inside, /172\.17\.0\.99/);
  box.writeSpec('byhand.yaml', 'version: 1\ncontainers: {}\n');
  await applyOk(box, spec);
  const alive = await box.sh(`kill -0 ${pid} && nsenter --net=/proc/${pid}/ns/net ip -j link show`);
  assert.is(alive.code, 0, 'the process and its namespace live on');
  assert.not.match(alive.stdout, /eth0/);
});

t('an invalid spec is refused with file:line:col and nothing changes', async ({ box }) => {
  const bad = box.writeSpec('bad.yaml', `version: 1
containers:
  a:
    ip: 10.9.9.9
`);
  const r = await box.tnet('apply', '-f', bad);
  assert.is(r.code, 3);
  assert.match(r.stderr, /bad\.yaml:4:/);
  assert.is((await box.sh('ip link show docker0')).code, 1);
});

t('a host veth whose mark was overwritten by hand: its eth0 is named as in the way, nothing changes, exit 3', async ({ box, spec }) => {
  await applyOk(box, spec);
  const veth = (await box.json('ip -j link show type veth')).find((l: any) => /\/veth\/nginx-1@/.test(l.ifalias ?? ''));
  await box.must(`ip link set dev ${veth.ifname} alias x`);
  const before = await state(box);
  const r = await box.tnet('apply', '-f', spec);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^error\\[conflict\\]: namespace nginx-1 already has eth0, the peer of host interface ${veth.ifname} \\(alias "x"\\), which tnet did not make for container nginx-1$`, 'm'));
  assert.match(r.stderr, new RegExp(`hint: delete it \\(ip link del ${veth.ifname}\\)`));
  assert.is(await state(box), before);
  // Its mark given back, the host is as the spec says again.
  await box.must(`ip link set dev ${veth.ifname} alias '${veth.ifalias}'`);
  assert.match((await box.tnet('apply', '-f', spec)).stdout, /No changes/);
});

t('the nsenter + ip fallback (no perl) wires exactly what the netlink worker wires', async ({ box, spec }) => {
  await applyOk(box, spec);
  const other = await Sandbox.create();
  try {
    const r = await other.run(['env', 'TNET_NETLINK=ip', ...TNET, 'apply', '-f', spec]);
    assert.is(r.code, 0, r.stderr);
    assert.is(await brief(other), await brief(box));
    assert.ok(await other.ping('nginx-2', '172.17.0.2'));
    assert.match((await other.tnet('apply', '--deep', '-f', spec)).stdout, /No changes/);
  } finally {
    await other.destroy();
  }
});

t('the netlink worker reads namespaces as nsenter + ip read them, field for field', async ({ box, spec }) => {
  await applyOk(box, spec);
  // A hand-made extra: a veth pair inside, one end with an alias, an address and a route, and a namespace that is not a mount.
  await box.must('ip -n nginx-1 link add extra type veth peer name extra-peer && ip -n nginx-1 link set extra alias "a \\"b\\"" up && ip -n nginx-1 addr add 192.0.2.9/32 dev extra && ip -n nginx-1 route add 198.18.0.0/15 dev extra && touch /run/netns/stale');
  const reader = resolve('dist/src/observe/netns.js');
  const script = `import('${reader}').then(async (m) => console.log(JSON.stringify(await m.readNetns(await m.listNetns()))))`;
  const read = async (env: string[]) => {
    const r = await box.run(['env', ...env, process.execPath, '-e', script]);
    assert.is(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, { links: { name: string; alias: string | null }[]; routes: unknown[] }>;
  };
  const [worker, ip] = [await read([]), await read(['TNET_NETLINK=ip'])];
  assert.equal(worker, ip);
  assert.equal(worker['nginx-1'].links.find((l) => l.name === 'extra')?.alias, 'a "b"');
  assert.ok(worker['nginx-1'].routes.length >= 3);
});

t.run();
