// End to end, as root in throwaway namespaces: published ports in every `-p` form and outbound masquerade,
// with real packets from an "outside host", from the host itself, from other containers and from the container itself.

import * as assert from 'uvu/assert';
import { applyOk, Sandbox } from '../helpers/sandbox.js';
import { HOST_IP, ipOf, netSuite, OTHER_HOST_IP, OUTSIDE_IP, rules, tcp, udp } from '../helpers/net.js';

const t = netSuite('firewall: ports and masquerade');

/** The host port of the DNAT rule to `ip:port` that tnet chose itself. */
async function dnatPort(box: Sandbox, ip: string, port: number, proto = 'tcp'): Promise<number> {
  const nat = await box.must('iptables-save -t nat');
  const re = new RegExp(`^-A TNET-DNAT-\\S+ .*-p ${proto} .*--dport (\\d+) .*--to-destination ${ip.replace(/\./g, '\\.')}:${port}$`, 'gm');
  const found = [...nat.matchAll(re)].map((m) => Number(m[1])).filter((p) => p >= 32768);
  assert.is(found.length, 1, `one ephemeral DNAT rule to ${ip}:${port}:\n${nat}`);
  return found[0];
}

const PORTS_SPEC = `version: 1
containers:
  web:
    ports: ["8080:80", "${HOST_IP}:8081:80", "9000-9001:9000-9001", "5353:53/udp", "80"]
  peer: {}
  auto:
    expose: [7000]
    publishAll: true
`;

t('every -p form reachable from outside, from the host, from another container and from itself', async ({ box, servers }) => {
  const spec = box.writeSpec('ports.yaml', PORTS_SPEC);
  // hairpin through the host address needs bridge netfilter: tnet must turn it on
  await box.must('echo 0 > /proc/sys/net/bridge/bridge-nf-call-iptables');
  await applyOk(box, spec);
  assert.is((await box.must('cat /proc/sys/net/bridge/bridge-nf-call-iptables')).trim(), '1');
  const [web, peer, auto] = [await ipOf(box, 'web'), await ipOf(box, 'peer'), await ipOf(box, 'auto')];
  assert.is.not(auto, web);
  await servers.start('web', 'web', { tcp: [80, 9000, 9001], udp: [53] });
  await servers.start('auto', 'auto', { tcp: [7000] });
  const ephemeral = await dnatPort(box, web, 80);
  const published = await dnatPort(box, auto, 7000);

  const checks: [string, Promise<string>, string | RegExp][] = [
    // 8080:80 — the server sees who really connected: DNAT keeps the source
    ['outside -> host:8080', tcp(box, 'outside', HOST_IP, 8080), `web ${OUTSIDE_IP}`],
    ['outside -> other host address:8080', tcp(box, 'outside', OTHER_HOST_IP, 8080), `web ${OUTSIDE_IP}`],
    ['host -> own address:8080', tcp(box, null, HOST_IP, 8080), `web ${HOST_IP}`],
    ['host -> bridge gateway:8080', tcp(box, null, '172.17.0.1', 8080), 'web 172.17.0.1'],
    // hairpin: DNATed on the bridge and bridged back, the reply un-NATed by bridge netfilter
    ['peer -> host:8080', tcp(box, 'peer', HOST_IP, 8080), `web ${peer}`],
    ['peer -> gateway:8080', tcp(box, 'peer', '172.17.0.1', 8080), `web ${peer}`],
    // a container to its own published port: hairpin mode and masquerade to the gateway
    ['web -> host:8080 (itself)', tcp(box, 'web', HOST_IP, 8080), 'web 172.17.0.1'],
    // 198.18.0.1:8081:80 — only on the bound address
    ['outside -> bound address:8081', tcp(box, 'outside', HOST_IP, 8081), `web ${OUTSIDE_IP}`],
    ['outside -> other address:8081', tcp(box, 'outside', OTHER_HOST_IP, 8081), /^(ERR ECONNREFUSED|TIMEOUT)$/],
    ['host -> other address:8081', tcp(box, null, OTHER_HOST_IP, 8081), /^(ERR ECONNREFUSED|TIMEOUT)$/],
    // ranges: one port each
    ['outside -> host:9000', tcp(box, 'outside', HOST_IP, 9000), `web ${OUTSIDE_IP}`],
    ['outside -> host:9001', tcp(box, 'outside', HOST_IP, 9001), `web ${OUTSIDE_IP}`],
    // udp
    ['outside -> host:5353/udp', udp(box, 'outside', HOST_IP, 5353), `web ${OUTSIDE_IP}`],
    ['host -> own address:5353/udp', udp(box, null, HOST_IP, 5353), `web ${HOST_IP}`],
    ['peer -> host:5353/udp', udp(box, 'peer', HOST_IP, 5353), `web ${peer}`],
    ['outside -> host:5353/tcp is not published', tcp(box, 'outside', HOST_IP, 5353), /^(ERR ECONNREFUSED|TIMEOUT)$/],
    // "80": an ephemeral host port; publishAll: the exposed port on another
    [`outside -> host:${ephemeral} (ephemeral)`, tcp(box, 'outside', HOST_IP, ephemeral), `web ${OUTSIDE_IP}`],
    [`outside -> host:${published} (publishAll)`, tcp(box, 'outside', HOST_IP, published), `auto ${OUTSIDE_IP}`],
    [`peer -> host:${published} (publishAll)`, tcp(box, 'peer', HOST_IP, published), `auto ${peer}`],
  ];
  const results = await Promise.all(checks.map((c) => c[1]));
  const failures = checks.flatMap(([what, , want], i) => {
    const got = results[i];
    const good = typeof want === 'string' ? got === want : want.test(got);
    return good ? [] : [`${what}: got "${got}", want ${want}`];
  });
  assert.equal(failures, [], failures.join('\n'));
  assert.not.equal(ephemeral, published, 'two ephemeral ports, two host ports');

  // the ephemeral ports stay where they are on the next apply
  assert.match(await applyOk(box, spec), /No changes/);
  assert.is(await dnatPort(box, web, 80), ephemeral);
});

t('outbound: the outside host sees the host address; with ipMasq false, the container address and no reply', async ({ box, servers }) => {
  const outside = await servers.start('outside', 'outside', { tcp: [7000], udp: [7001] });
  const spec = box.writeSpec('out.yaml', `version: 1
containers:
  a: {}
`);
  await applyOk(box, spec);
  const a = await ipOf(box, 'a');
  assert.is(await tcp(box, 'a', OUTSIDE_IP, 7000), `outside ${HOST_IP}`);
  assert.is(await udp(box, 'a', OUTSIDE_IP, 7001), `outside ${HOST_IP}`);
  assert.ok(await box.ping('a', OUTSIDE_IP), 'a pings the outside host');
  assert.match(await rules(box), new RegExp(`-A TNET-POSTROUTING -s 172\\.17\\.0\\.0/16 ! -o docker0 .*-j MASQUERADE`));
  assert.is((await box.must('cat /proc/sys/net/ipv4/ip_forward')).trim(), '1');

  box.writeSpec('out.yaml', `version: 1
host:
  ipMasq: false
containers:
  a: {}
`);
  await applyOk(box, spec);
  assert.not.match(await rules(box), /MASQUERADE/, 'no masquerade left: a has no published port');
  const before = outside.log.length;
  // outside has no route back to the container subnet: the datagram arrives, the answer cannot leave
  assert.is(await udp(box, 'a', OUTSIDE_IP, 7001, 1000), 'TIMEOUT');
  assert.equal(outside.log.slice(before), [`udp 7001 ${a}`], 'the outside host saw the container address');
  assert.not.ok(await box.ping('a', OUTSIDE_IP), 'no ping reply without masquerade');
});

t('the same host port and proto twice is invalid; tcp and udp on one number are fine', async ({ box }) => {
  const clash = box.writeSpec('clash.yaml', `version: 1
containers:
  a: { ports: ["8080:80"] }
  b: { ports: ["8080:81"] }
`);
  const r = await box.tnet('apply', '-f', clash);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /8080/);
  assert.not.match(await box.must('iptables-save'), /TNET/, 'nothing written');
  assert.is((await box.sh('ip link show docker0')).code, 1, 'nothing created');

  const bound = box.writeSpec('bound.yaml', `version: 1
containers:
  a: { ports: ["${HOST_IP}:8080:80"] }
  b: { ports: ["8080:81"] }
`);
  const r2 = await box.tnet('apply', '-f', bound);
  assert.is(r2.code, 3, `a bound port clashes with the same port on every address: ${r2.stdout}${r2.stderr}`);

  const ok = box.writeSpec('ok.yaml', `version: 1
containers:
  a: { ports: ["8080:80"] }
  b: { ports: ["8080:80/udp"] }
`);
  await applyOk(box, ok);
  const nat = await box.must('iptables-save -t nat');
  assert.match(nat, /-p tcp -m tcp --dport 8080 .*--to-destination 172\.17\.0\.2:80/);
  assert.match(nat, /-p udp -m udp --dport 8080 .*--to-destination 172\.17\.0\.3:80/);
});

t('ports bound to 127.0.0.1 or to every address, from the host\'s loopback; route_localnet and hairpin mode drift repaired', async ({ box, servers }) => {
  const spec = box.writeSpec('local.yaml', `version: 1
containers:
  a: { ports: ["127.0.0.1:8082:80", "8080:80"] }
  b: {}
`);
  await applyOk(box, spec);
  await servers.start('a', 'a', { tcp: [80] });
  const veth = (await box.json('ip -j link show master docker0')).map((l: { ifname: string }) => l.ifname);
  const hairpin = async () => (await box.must(`for v in ${veth.join(' ')}; do cat /sys/class/net/$v/brport/hairpin_mode; done`)).split('\n').filter(Boolean);
  const localnet = '/proc/sys/net/ipv4/conf/docker0/route_localnet';
  assert.is((await box.must(`cat ${localnet}`)).trim(), '1');
  assert.equal((await hairpin()).sort(), ['0', '1'], "hairpin mode on a's port only");
  const works = async (when: string) => {
    // from the host through loopback: DNATed, and masqueraded onto the bridge so a can answer
    assert.is(await tcp(box, null, '127.0.0.1', 8082), 'a 172.17.0.1', `${when}: host -> 127.0.0.1:8082`);
    // a port on every address answers on the host's loopback too, as Docker's (`curl localhost:8080`)
    assert.is(await tcp(box, null, '127.0.0.1', 8080), 'a 172.17.0.1', `${when}: host -> 127.0.0.1:8080`);
    assert.is(await tcp(box, 'a', HOST_IP, 8080), 'a 172.17.0.1', `${when}: a -> itself`);
  };
  await works('after apply');
  assert.match(await tcp(box, 'outside', HOST_IP, 8082, 1000), /^(ERR ECONNREFUSED|TIMEOUT)$/, 'bound to loopback: not from outside');

  await box.must(`echo 0 > ${localnet}; for v in ${veth.join(' ')}; do echo 0 > /sys/class/net/$v/brport/hairpin_mode; done`);
  const [local, self] = await Promise.all([tcp(box, null, '127.0.0.1', 8082, 1000), tcp(box, 'a', HOST_IP, 8080, 1000)]);
  assert.is(local, 'TIMEOUT', 'drift: no route_localnet, no loopback port');
  assert.is(self, 'TIMEOUT', 'drift: no hairpin, no way back to itself');
  const out = await applyOk(box, spec);
  assert.match(out, /route_localnet/);
  assert.not.match(out, /iptables/, 'the rules did not change');
  await works('repaired');
  assert.match(await applyOk(box, spec), /No changes/);
});

t.run();
