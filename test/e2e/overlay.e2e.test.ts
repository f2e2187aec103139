// End to end across simulated hosts joined by an underlay: VXLAN overlays, uplink bridging, several networks.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyOk, type Sandbox } from '../helpers/sandbox.js';
import { createHosts, ROUTER_IP, underlayIp, type Hosts } from '../helpers/hosts.js';
import { query } from '../helpers/dns.js';

const t = suite<{ net: Hosts }>('overlay');
t.after.each(async (ctx) => {
  await ctx.net?.destroy();
});

const NAMES = ['hostA', 'hostB', 'hostC'];

/** One overlay entry per host, host i with underlay 198.18.1.i and range 10.<base>.i.0/24. */
function overlay(name: string, vni: number, base: number, hosts: number): string {
  const entries = Array.from({ length: hosts }, (_, k) => `      ${NAMES[k]}: {underlay: ${underlayIp(k + 1)}, ipRange: 10.${base}.${k + 1}.0/24}`);
  return `  ${name}:\n    vni: ${vni}\n    subnet: 10.${base}.0.0/16\n    hosts:\n${entries.join('\n')}\n`;
}

/** Every host applies the same file, with its own --host. */
async function applyAll(net: Hosts, yaml: string, count = net.hosts.length): Promise<string[]> {
  const out: string[] = [];
  for (const [k, h] of net.hosts.slice(0, count).entries()) out.push(await applyOk(h, h.writeSpec('net.yaml', yaml), '--host', NAMES[k]));
  return out;
}

const addrOf = async (h: Sandbox, ns: string, dev = 'eth0') => (await h.json(`ip -n ${ns} -j addr show ${dev}`))[0].addr_info.find((a: any) => a.family === 'inet').local as string;
const fdbDsts = async (h: Sandbox, dev: string) => (await h.json(`bridge -j fdb show dev ${dev}`)).filter((e: any) => e.dst).map((e: any) => e.dst).sort();

const TWO = `version: 1
name: net
overlays:
${overlay('ov1', 4242, 240, 2)}containers:
  a1: {host: hostA, bridge: ov1}
  b1: {host: hostB, bridge: ov1}
  everywhere: {bridge: ov1}
`;

t('overlay on two hosts: containers ping across hosts; VXLAN, fdb and MTU as declared; a second apply does nothing', async (ctx) => {
  const net = (ctx.net = await createHosts(2));
  const [A, B] = net.hosts;
  await applyAll(net, TWO);
  // a1 only on A, b1 only on B, `everywhere` on both, each from its host's range
  assert.equal((await A.must('ls /run/netns')).split('\n').filter(Boolean).sort(), ['a1', 'everywhere']);
  assert.equal((await B.must('ls /run/netns')).split('\n').filter(Boolean).sort(), ['b1', 'everywhere']);
  assert.is(await addrOf(A, 'a1'), '10.240.1.2');
  assert.is(await addrOf(B, 'b1'), '10.240.2.2');
  assert.is(await addrOf(B, 'everywhere'), '10.240.2.3');
  const vx = (await A.json('ip -j -d link show vx-ov1'))[0];
  assert.is(vx.linkinfo.info_data.id, 4242);
  assert.is(vx.linkinfo.info_data.local, underlayIp(1));
  assert.is(vx.linkinfo.info_data.port, 4789);
  assert.is(vx.master, 'ov1');
  assert.is(vx.mtu, 1450, 'the underlay MTU less the VXLAN header');
  assert.is((await A.json('ip -n a1 -j link show eth0'))[0].mtu, 1450);
  assert.equal(await fdbDsts(A, 'vx-ov1'), [underlayIp(2)]);
  assert.equal(await fdbDsts(B, 'vx-ov1'), [underlayIp(1)]);
  // across hosts, both ways, and host to a remote container through its own overlay bridge
  assert.ok(await A.ping('a1', '10.240.2.2'), 'a1 (A) -> b1 (B)');
  assert.ok(await B.ping('b1', '10.240.1.2'), 'b1 (B) -> a1 (A)');
  assert.ok(await A.ping('everywhere', '10.240.2.3'), 'everywhere on A -> everywhere on B');
  assert.ok(await A.ping(null, '10.240.2.2'), 'host A -> b1');
  for (const out of await applyAll(net, TWO)) assert.match(out, /No changes/);
});

t('dual-stack overlay: each host allocates IPv6 from its ipRange6; containers ping across hosts over IPv6', async (ctx) => {
  const net = (ctx.net = await createHosts(2));
  const [A, B] = net.hosts;
  const yaml = `version: 1
name: net
overlays:
  ov6:
    vni: 4343
    subnet: 10.241.0.0/16
    subnet6: "fd00:241::/64"
    hosts:
      hostA: {underlay: ${underlayIp(1)}, ipRange: 10.241.1.0/24, ipRange6: "fd00:241::1:0/112"}
      hostB: {underlay: ${underlayIp(2)}, ipRange: 10.241.2.0/24, ipRange6: "fd00:241::2:0/112"}
containers:
  a1: {host: hostA, bridge: ov6}
  b1: {host: hostB, bridge: ov6, ip6: "fd00:241::2:99"}
  everywhere: {bridge: ov6}
`;
  await applyAll(net, yaml);
  const addr6 = async (h: Sandbox, ns: string) => (await h.json(`ip -n ${ns} -j -6 addr show eth0 scope global`))[0].addr_info[0].local as string;
  assert.equal([await addr6(A, 'a1'), await addr6(A, 'everywhere')], ['fd00:241::1:2', 'fd00:241::1:3'], "host A's range, after its bridge's address");
  assert.equal([await addr6(B, 'b1'), await addr6(B, 'everywhere')], ['fd00:241::2:99', 'fd00:241::2:2']);
  assert.match(await A.must('ip -6 addr show dev ov6 scope global'), /fd00:241::1:1\/64/);
  assert.is(await B.must('ip -n b1 -6 route show default'), 'default via fd00:241::2:1 dev eth0 metric 1024 pref medium');
  assert.ok(await A.ping('a1', 'fd00:241::2:99'), 'a1 (A) -> b1 (B) over IPv6');
  assert.ok(await B.ping('everywhere', 'fd00:241::1:3'), 'everywhere on B -> everywhere on A over IPv6');
  for (const out of await applyAll(net, yaml)) assert.match(out, /No changes/);
});

t('uplink: containers on two hosts share the underlay segment; the host stays reachable; destroy gives the addresses back', async (ctx) => {
  const net = (ctx.net = await createHosts(2));
  const [A, B] = net.hosts;
  const spec = `version: 1
name: lan
bridges:
  br0:
    uplink: eth1
    subnet: 198.18.1.0/24
    gateway: ${ROUTER_IP}
    ipRange: 198.18.1.128/25
containers:
  a1: {host: hostA, ip: 198.18.1.130}
  b1: {host: hostB, ip: 198.18.1.131}
`;
  const before = await A.must('ip -4 -br addr show eth1; ip route');
  const out = await applyAll(net, spec);
  assert.match(out[0], /uplink eth1 -> bridge br0 \(moves 198\.18\.1\.1\/24, default via 198\.18\.1\.254\)/);
  // eth1 is a port of br0; its address and default route are on br0
  assert.is((await A.json('ip -j link show eth1'))[0].master, 'br0');
  assert.equal((await A.json('ip -4 -j addr show br0'))[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`), ['198.18.1.1/24']);
  assert.is((await A.json('ip -4 -j addr show eth1'))[0]?.addr_info?.length ?? 0, 0);
  assert.is((await A.json('ip -j route show default'))[0].dev, 'br0');
  assert.ok(await A.ping(null, ROUTER_IP), 'host A still reaches the segment');
  assert.ok(await A.ping(null, underlayIp(2)), 'host A reaches host B');
  assert.ok(await A.ping('a1', '198.18.1.131'), 'a1 (A) -> b1 (B) on one layer-2 segment');
  assert.ok(await B.ping('b1', ROUTER_IP), 'b1 -> the segment router');
  for (const o of await applyAll(net, spec)) assert.match(o, /No changes/);
  const gone = await A.tnet('destroy', '--host', 'hostA', '-f', A.writeSpec('net.yaml', spec));
  assert.is(gone.code, 0, gone.stderr);
  assert.is(await A.must('ip -4 -br addr show eth1; ip route'), before, 'address and default route back on eth1');
  assert.is((await A.json('ip -j link show eth1'))[0].ifalias, undefined, 'no record left on eth1');
  assert.is((await A.sh('ip link show br0')).code === 0, false);
});

t('a container on two networks reaches both and routes by its gateway network; bridges stay isolated', async (ctx) => {
  const net = (ctx.net = await createHosts(2));
  const [A] = net.hosts;
  const spec = `version: 1
name: net
bridges:
  br1: {subnet: 10.50.0.0/24}
overlays:
${overlay('ov1', 4242, 240, 2)}containers:
  b1: {host: hostB, bridge: ov1}
  a1: {host: hostA, bridge: ov1}
  l1: {host: hostA, bridge: br1}
  m1:
    host: hostA
    networks:
      ov1: {}
      br1: {ip: 10.50.0.50, aliases: [multi]}
    gateway: br1
`;
  await applyAll(net, spec);
  assert.is(await addrOf(A, 'm1', 'eth0'), '10.240.1.3');
  assert.is(await addrOf(A, 'm1', 'eth1'), '10.50.0.50');
  const def = (await A.json('ip -n m1 -j route show default'))[0];
  assert.equal([def.gateway, def.dev], ['10.50.0.1', 'eth1']);
  assert.is((await A.json('ip -n m1 -j route get 192.0.2.1'))[0].dev, 'eth1', 'the default route is the gateway network');
  assert.ok(await A.ping('m1', '10.240.2.2'), 'm1 -> b1 on the overlay, on the other host');
  assert.ok(await A.ping('m1', '10.50.0.2'), 'm1 -> l1 on br1');
  assert.ok(await A.ping('l1', '10.50.0.50'), 'l1 -> m1 on br1');
  assert.not.ok(await A.ping('l1', '10.240.1.2'), 'l1 (br1) cannot reach a1 (ov1): the bridges stay isolated');
  // the alias names m1 for the containers on br1, through tnet's DNS server on br1's gateway
  assert.equal((await query(A, 'l1', 'multi')).answers, ['10.50.0.50']);
  assert.equal((await query(A, 'a1', 'multi')).rcode, 'NXDOMAIN', 'a1 is on ov1 only: the alias is br1\'s');
  assert.equal((await query(A, 'a1', 'm1')).answers, ['10.240.1.3'], 'm1 by name on the overlay: its overlay address');
  assert.match((await A.tnet('apply', '--host', 'hostA', '-f', A.writeSpec('net.yaml', spec))).stdout, /No changes/);
  // the default moves to the overlay: one route replace, nothing deleted behind it
  const moved = await applyOk(A, A.writeSpec('net.yaml', spec.replace('gateway: br1', 'gateway: ov1')), '--host', 'hostA');
  assert.match(moved, /route default via 10\.240\.1\.1 on m1:eth0/);
  const now = (await A.json('ip -n m1 -j route show default'))[0];
  assert.equal([now.gateway, now.dev], ['10.240.1.1', 'eth0']);
});

t('two overlays with different VNIs stay apart', async (ctx) => {
  const net = (ctx.net = await createHosts(2));
  const [A, B] = net.hosts;
  const spec = `version: 1
name: net
overlays:
${overlay('ov1', 4242, 240, 2)}${overlay('ov2', 4343, 241, 2)}containers:
  a1: {host: hostA, bridge: ov1}
  b1: {host: hostB, bridge: ov1}
  x2: {host: hostB, bridge: ov2}
  y2: {host: hostA, bridge: ov2}
`;
  await applyAll(net, spec);
  assert.is((await A.json('ip -j -d link show vx-ov2'))[0].linkinfo.info_data.id, 4343);
  assert.ok(await A.ping('a1', '10.240.2.2'), 'ov1 across hosts');
  assert.ok(await A.ping('y2', '10.241.2.2'), 'ov2 across hosts');
  assert.not.ok(await A.ping('a1', '10.241.2.2'), 'ov1 -> ov2 on the other host');
  assert.not.ok(await B.ping('x2', '10.240.1.2'), 'ov2 -> ov1 on the other host');
  assert.not.ok(await A.ping('a1', '10.241.1.2'), 'ov1 -> ov2 on the same host');
});

t('three hosts: everyone pings everyone; removing a host cleans its fdb entries on the others', async (ctx) => {
  const net = (ctx.net = await createHosts(3));
  const [A, B, C] = net.hosts;
  const three = `version: 1
name: net
overlays:
${overlay('ov1', 4242, 240, 3)}containers:
  a1: {host: hostA, bridge: ov1}
  b1: {host: hostB, bridge: ov1}
  c1: {host: hostC, bridge: ov1}
`;
  await applyAll(net, three);
  assert.equal(await fdbDsts(A, 'vx-ov1'), [underlayIp(2), underlayIp(3)]);
  assert.ok(await A.ping('a1', '10.240.3.2'), 'a1 -> c1');
  assert.ok(await C.ping('c1', '10.240.2.2'), 'c1 -> b1');
  assert.ok(await B.ping('b1', '10.240.1.2'), 'b1 -> a1');
  for (const out of await applyAll(net, three)) assert.match(out, /No changes/);
  const two = `version: 1
name: net
overlays:
${overlay('ov1', 4242, 240, 2)}containers:
  a1: {host: hostA, bridge: ov1}
  b1: {host: hostB, bridge: ov1}
`;
  const [outA] = await applyAll(net, two, 2);
  assert.match(outA, /- fdb vx-ov1: flood to 198\.18\.1\.3/);
  assert.equal(await fdbDsts(A, 'vx-ov1'), [underlayIp(2)]);
  assert.equal(await fdbDsts(B, 'vx-ov1'), [underlayIp(1)]);
  assert.ok(await A.ping('a1', '10.240.2.2'), 'a1 -> b1 still');
  // host C, no longer in the overlay, prunes its part
  await applyOk(C, C.writeSpec('net.yaml', two), '--host', 'hostC');
  assert.is((await C.sh('ip link show vx-ov1')).code === 0, false);
  assert.is((await C.sh('ip link show ov1')).code === 0, false);
  assert.is((await C.must('ls /run/netns')).trim(), '');
});

t('validation: host missing from hosts, overlapping ranges, a VNI twice, --host in no overlay (exit 3, nothing changed)', async (ctx) => {
  const net = (ctx.net = await createHosts(1));
  const [A] = net.hosts;
  const run = (yaml: string, host = 'hostA') => A.tnet('apply', '--host', host, '-f', A.writeSpec('bad.yaml', yaml));
  const missing = await run(`version: 1\noverlays:\n${overlay('ov1', 1, 240, 2)}containers:\n  z: {host: hostZ, bridge: ov1}\n`);
  assert.is(missing.code, 3);
  assert.match(missing.stderr, /host hostZ is not one of the hosts of overlay ov1 \(hostA, hostB\)/);
  const overlapping = await run(`version: 1\noverlays:\n${overlay('ov1', 1, 240, 2).replace('10.240.2.0/24', '10.240.1.128/25')}`);
  assert.is(overlapping.code, 3);
  assert.match(overlapping.stderr, /ipRange 10\.240\.1\.128\/25 of host hostB overlaps 10\.240\.1\.0\/24 of host hostA/);
  const twice = await run(`version: 1\noverlays:\n${overlay('ov1', 7, 240, 2)}${overlay('ov2', 7, 241, 2)}`);
  assert.is(twice.code, 3);
  assert.match(twice.stderr, /vni 7 is also the VNI of overlay ov1/);
  const nowhere = await run(`version: 1\noverlays:\n${overlay('ov1', 1, 240, 2)}containers:\n  e: {bridge: ov1}\n`, 'hostQ');
  assert.is(nowhere.code, 3);
  assert.match(nowhere.stderr, /this host is 'hostQ', which overlay ov1 does not list/);
  assert.is((await A.must('ip -br link')).split('\n').filter(Boolean).length, 2, 'only lo and eth1: nothing was created');
});

t.run();
