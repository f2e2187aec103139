// End to end, as root in throwaway namespaces: route_localnet opens no door to the host's loopback (CVE-2020-8558's
// class) — a neighbour routing 127.0.0.1 via the host reaches nothing, the host's own localhost:PORT still does.

import * as assert from 'uvu/assert';
import { applyOk, type Sandbox } from '../helpers/sandbox.js';
import { HOST_IP, ipOf, netSuite, OUTSIDE_IP, tcp, udp } from '../helpers/net.js';

const t = netSuite('loopback stays closed');

/** Ports of a service bound to the sandbox host's 127.0.0.1 only. */
const SECRET = { tcp: [9999], udp: [9998], host: '127.0.0.1' };

/**
 * What root in `ns` (a container's namespace, a machine on the segment) can do: 127.0.0.1 made not local
 * there and routed out of eth0 via `gateway`; route_localnet on eth0 lets the kernel send it and take replies.
 */
async function routeLoopbackVia(box: Sandbox, ns: string, gateway: string): Promise<void> {
  await box.must(`ip netns exec ${ns} sh -c 'ip addr del 127.0.0.1/8 dev lo && sysctl -qw net.ipv4.conf.eth0.route_localnet=1 && ip route add 127.0.0.1/32 via ${gateway} dev eth0'`);
}

/** The attack: one TCP connection and one UDP datagram from `ns` to the service on the host's 127.0.0.1. */
const attack = (box: Sandbox, ns: string): Promise<string[]> =>
  Promise.all([tcp(box, ns, '127.0.0.1', SECRET.tcp[0], 1000), udp(box, ns, '127.0.0.1', SECRET.udp[0], 1000)]);

const localnet = async (box: Sandbox, br: string): Promise<string> =>
  (await box.must(`cat /proc/sys/net/ipv4/conf/${br}/route_localnet`)).trim();

const JUMP = '-m comment --comment tnet -j TNET-INPUT';

for (const backend of ['nft', 'legacy'] as const) {
  t(`${backend}: a container cannot reach a service on the host's 127.0.0.1; the filter removed by hand, it can; apply closes it again`, async ({ box, servers }) => {
    const ipt = `iptables-${backend}`;
    // An INPUT accept for the bridge, as ufw's "allow in on docker0": the filter must come before it. On
    // legacy, it also makes the host a legacy one.
    await box.must(`${ipt} -A INPUT -i docker0 -j ACCEPT`);
    const spec = box.writeSpec('loop.yaml', `version: 1
containers:
  a: { ports: ["8080:80", "5353:53/udp"] }
  b: {}
`);
    await applyOk(box, spec);
    assert.is(await localnet(box, 'docker0'), '1', 'the host reaches its published ports on 127.0.0.1');
    assert.equal((await box.must(`${ipt}-save -t filter`)).split('\n').filter((l) => l.startsWith('-A INPUT ')), [
      `-A INPUT ${JUMP}`,
      '-A INPUT -i docker0 -j ACCEPT',
    ]);
    const b = await ipOf(box, 'b');
    const secret = await servers.start(null, 'secret', SECRET);
    await servers.start('a', 'a', { tcp: [80], udp: [53] });
    await routeLoopbackVia(box, 'b', '172.17.0.1');

    assert.equal(await attack(box, 'b'), ['TIMEOUT', 'TIMEOUT'], 'b -> host 127.0.0.1: dropped');
    assert.equal(secret.log, [], 'nothing arrived');
    // The ways to the published ports stay open: replies to the host's loopback are de-NATed, not martians.
    const checks: [string, Promise<string>, string][] = [
      ['host -> 127.0.0.1:8080', tcp(box, null, '127.0.0.1', 8080), 'a 172.17.0.1'],
      ['host -> localhost:8080', tcp(box, null, 'localhost', 8080), 'a 172.17.0.1'],
      ['host -> 127.0.0.1:5353/udp', udp(box, null, '127.0.0.1', 5353), 'a 172.17.0.1'],
      ['a -> host:8080 (itself)', tcp(box, 'a', HOST_IP, 8080), 'a 172.17.0.1'],
      ['b -> host:8080 (hairpin)', tcp(box, 'b', HOST_IP, 8080), `a ${b}`],
      ['b -> gateway:5353/udp', udp(box, 'b', '172.17.0.1', 5353), `a ${b}`],
      ['outside -> host:8080', tcp(box, 'outside', HOST_IP, 8080), `a ${OUTSIDE_IP}`],
    ];
    const results = await Promise.all(checks.map((c) => c[1]));
    assert.equal(checks.flatMap(([what, , want], i) => (results[i] === want ? [] : [`${what}: got "${results[i]}", want "${want}"`])), []);

    // Without tnet's filter the attack goes through, replies included: it is real.
    await box.must(`${ipt} -D INPUT ${JUMP}`);
    assert.equal(await attack(box, 'b'), [`secret ${b}`, `secret ${b}`], 'b -> host 127.0.0.1 without the filter');
    assert.equal([...secret.log].sort(), [`tcp 9999 ${b}`, `udp 9998 ${b}`]);

    const out = await applyOk(box, spec);
    assert.match(out, /iptables filter: insert 1 rule\(s\) into INPUT\n/);
    assert.match(await box.must(`${ipt}-save -t filter`), new RegExp(`^-A INPUT ${JUMP}\\n-A INPUT -i docker0 -j ACCEPT$`, 'm'));
    assert.equal(await attack(box, 'b'), ['TIMEOUT', 'TIMEOUT'], 'closed again');
    assert.is(secret.log.length, 2, 'nothing more arrived');
    assert.match(await applyOk(box, spec), /No changes/);
    if (backend === 'legacy') assert.not.match(await box.must('iptables-nft-save'), /TNET/, 'the backends are never mixed');
  });
}

t('a neighbour on an uplink segment cannot reach the host\'s 127.0.0.1 through the bridge', async ({ box, servers }) => {
  // `uplink` enslaved to br0: the outside host is now a neighbour on the bridge's segment.
  const spec = box.writeSpec('lan.yaml', `version: 1
bridges:
  br0: { uplink: uplink, subnet: 198.18.0.0/24, gateway: ${OUTSIDE_IP}, ipRange: 198.18.0.128/25 }
containers:
  w: { network: br0, ip: 198.18.0.130, ports: ["8080:80"] }
`);
  await applyOk(box, spec);
  assert.is(await localnet(box, 'br0'), '1');
  const secret = await servers.start(null, 'secret', SECRET);
  await servers.start('w', 'w', { tcp: [80] });
  await routeLoopbackVia(box, 'outside', HOST_IP);
  assert.equal(await attack(box, 'outside'), ['TIMEOUT', 'TIMEOUT'], 'neighbour -> host 127.0.0.1: dropped');
  assert.equal(secret.log, []);
  assert.equal(
    await Promise.all([tcp(box, 'outside', HOST_IP, 8080), tcp(box, null, '127.0.0.1', 8080)]),
    [`w ${OUTSIDE_IP}`, `w ${HOST_IP}`],
    'the published port, from the segment and from the host\'s loopback',
  );
  await box.must(`iptables -D INPUT ${JUMP}`);
  assert.equal(await attack(box, 'outside'), [`secret ${OUTSIDE_IP}`, `secret ${OUTSIDE_IP}`], 'without the filter it arrives');
});

t('route_localnet goes back off once the bridge\'s last publisher is gone; a new bridge without one costs no action', async ({ box, servers }) => {
  const bridges = `version: 1
bridges:
  docker0: { subnet: 172.17.0.0/16 }
  br1: { subnet: 10.31.0.0/24 }
containers:
  b: { network: docker0 }
  c: { network: br1 }
`;
  const spec = box.writeSpec('pub.yaml', `${bridges}  a: { network: docker0, ports: ["8080:80"] }\n`);
  const first = await applyOk(box, spec);
  assert.match(first, /~ sysctl net\.ipv4\.conf\.docker0\.route_localnet = 1\n/);
  assert.not.match(first, /br1\.route_localnet/, 'br1 is new: it starts off');
  assert.equal([await localnet(box, 'docker0'), await localnet(box, 'br1')], ['1', '0']);

  box.writeSpec('pub.yaml', bridges);
  const second = await applyOk(box, spec);
  assert.match(second, /~ sysctl net\.ipv4\.conf\.docker0\.route_localnet = 0\n/);
  assert.not.match(second, /br1\.route_localnet/);
  assert.is(await localnet(box, 'docker0'), '0', 'a, the last publisher on docker0, is gone');
  assert.match(await applyOk(box, spec), /No changes/);

  // Off, the switch closes the door by itself: the kernel drops the martians before any rule sees them.
  const secret = await servers.start(null, 'secret', SECRET);
  await routeLoopbackVia(box, 'b', '172.17.0.1');
  await box.must(`iptables -D INPUT ${JUMP}`);
  assert.equal(await attack(box, 'b'), ['TIMEOUT', 'TIMEOUT']);
  assert.equal(secret.log, []);
});

t('a port published on 127.0.0.1 only is reached from the host alone, not by a container routing 127.0.0.1 via it; the old jump put back, it is', async ({ box, servers }) => {
  const spec = box.writeSpec('local.yaml', `version: 1
containers:
  a: { ports: ["127.0.0.1:8082:80"] }
  b: {}
`);
  await applyOk(box, spec);
  await servers.start('a', 'a', { tcp: [80] });
  const b = await ipOf(box, 'b');
  assert.is(await tcp(box, null, '127.0.0.1', 8082), 'a 172.17.0.1', 'the host reaches it');
  await routeLoopbackVia(box, 'b', '172.17.0.1');
  assert.is(await tcp(box, 'b', '127.0.0.1', 8082, 1000), 'TIMEOUT', 'b -> 127.0.0.1:8082 via the host: not DNATed');
  // The jump as it was written before (no loopback exclusion) lets the container through: the test is real.
  const jump = '-m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET';
  await box.must(`iptables -t nat -D PREROUTING ! -d 127.0.0.0/8 ${jump} && iptables -t nat -A PREROUTING ${jump}`);
  assert.is(await tcp(box, 'b', '127.0.0.1', 8082, 1000), `a ${b}`, 'with the old jump b gets through');
  assert.match(await applyOk(box, spec), /iptables nat: delete 1 rule\(s\) from PREROUTING|iptables nat: .*PREROUTING/);
  assert.is(await tcp(box, 'b', '127.0.0.1', 8082, 1000), 'TIMEOUT', 'closed again');
});

t.run();
