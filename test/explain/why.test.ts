// The trace on hosts built from tnet's own desired rules: icc on and off, links, published ports (DNAT then
// FORWARD, hairpin), isolation, internal bridges, a port bound to one address, the host and the outside.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { WhyTrace } from '../../src/model/why.js';
import { applied, whyOn, HOST_IP, OTHER_HOST_IP, OUTSIDE_IP } from './sim.js';

const ICC = `version: 1
host: { icc: false }
containers:
  a: { expose: [80] }
  b: { links: ["a:alias", "d"] }
  c: {}
  d: {}
  p: { ports: ["8080:80"] }
`;

const BRIDGES = `version: 1
bridges:
  br-one: { subnet: 10.201.0.0/24 }
  br-two: { subnet: 10.202.0.0/24 }
  br-int: { subnet: 10.203.0.0/24, internal: true }
containers:
  x: { network: br-one }
  x2: { network: br-one }
  y: { network: br-two, ports: ["8080:80", "${OTHER_HOST_IP}:8081:81"] }
  z: { network: br-int }
  z2: { network: br-int }
`;

/** The rule that decided the request: the last one of the hop that ended it (or of the last filter hop). */
function decider(t: WhyTrace) {
  const hop = t.request.find((h) => h.outcome === 'drop') ?? [...t.request].reverse().find((h) => h.at.startsWith('filter'));
  return hop?.rules.at(-1);
}

test('icc off: the icc DROP decides, named by its field', () => {
  const t = whyOn(applied(ICC), 'c', 'a:80');
  assert.is(t.verdict, 'blocked');
  const d = decider(t)!;
  assert.is(d.chain, 'TNET-FORWARD');
  assert.match(d.rule, /^-i docker0 -o docker0 -m comment --comment "tnet:sim" -j DROP$/);
  assert.equal(d.cause, { kind: 'icc', field: 'bridges.docker0.icc', bridge: 'docker0' });
  assert.equal(d.owner, { kind: 'spec', spec: 'sim' });
  assert.is(t.request.find((h) => h.at === 'filter FORWARD')!.text.includes('-i docker0 -o docker0'), true, 'bridged traffic is seen as -i br -o br');
});

test('links open exactly the linked ports, one way; a target declaring no port is open whole', () => {
  const v = applied(ICC);
  const b = whyOn(v, 'b', 'a:80');
  assert.is(b.verdict, 'allowed');
  assert.equal(decider(b)!.cause, { kind: 'link', field: 'containers.b.links', bridge: 'docker0', container: 'b', peer: 'a', port: '80/tcp' });
  assert.is(b.arrival?.name, 'a');
  assert.is(whyOn(v, 'b', 'a:81').verdict, 'blocked');
  assert.is(whyOn(v, 'b', 'a').verdict, 'blocked', 'ping is no linked port');
  assert.is(whyOn(v, 'b', 'd:81').verdict, 'allowed');
  assert.is(whyOn(v, 'b', 'd').verdict, 'allowed');
  assert.is(whyOn(v, 'd', 'b').verdict, 'blocked');
  assert.is(whyOn(v, 'a', 'c:80').verdict, 'blocked');
});

test('a published port: DNAT in PREROUTING, then FORWARD accepts it; icc off lets hairpin through', () => {
  const v = applied(ICC);
  const out = whyOn(v, OUTSIDE_IP, 'host:8080');
  assert.is(out.verdict, 'allowed');
  assert.equal(out.request.map((h) => h.at), ['uplink', 'nat PREROUTING', 'routing', 'filter FORWARD', 'docker0 → ' + v.endpoints.find((e) => e.container === 'p')!.hostIf]);
  assert.is(out.request[1].rules.at(-1)!.cause?.kind, 'published');
  assert.is(out.request[1].rules.at(-1)!.cause?.port, '8080:80/tcp');
  assert.match(decider(out)!.rule, /^-d 172\.17\.0\.\d+\/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 /);
  assert.equal(out.arrival, { kind: 'container', name: 'p', ip: v.endpoints.find((e) => e.container === 'p')!.ip, port: 80, seenFrom: OUTSIDE_IP });
  const c = whyOn(v, 'c', `${HOST_IP}:8080`);
  assert.is(c.verdict, 'allowed');
  assert.is(decider(c)!.cause?.kind, 'hairpin');
  assert.is(c.arrival?.seenFrom, v.endpoints.find((e) => e.container === 'c')!.ip, 'no masquerade within the bridge');
  assert.is(whyOn(v, 'c', 'p:80').verdict, 'blocked', 'directly, icc off drops it');
});

test('a container reaching its own published port is masqueraded, and needs hairpin mode', () => {
  const v = applied(ICC);
  const t = whyOn(v, 'p', `${HOST_IP}:8080`);
  assert.is(t.verdict, 'allowed');
  assert.is(t.arrival?.seenFrom, '172.17.0.1');
  const off = { ...v, links: v.links.map((l) => ({ ...l, hairpin: false })) };
  const h = whyOn(off, 'p', `${HOST_IP}:8080`);
  assert.is(h.verdict, 'blocked');
  assert.is(h.request.at(-1)!.reason, 'hairpin');
});

test('the host reaches containers through OUTPUT, the replies through INPUT; 127.0.0.1 reaches published ports', () => {
  const v = applied(ICC);
  const t = whyOn(v, 'host', 'a:81');
  assert.is(t.verdict, 'allowed');
  assert.equal(t.request.map((h) => h.at).slice(0, 2), ['routing', 'filter OUTPUT']);
  assert.is(t.arrival?.seenFrom, '172.17.0.1');
  assert.equal(t.reply.map((h) => h.at), ['filter INPUT']);
  const lo = whyOn(v, 'host', '127.0.0.1:8080');
  assert.is(lo.verdict, 'allowed');
  assert.is(lo.arrival?.name, 'p');
  assert.is(lo.arrival?.seenFrom, '172.17.0.1', 'the 127.0.0.0/8 masquerade onto the bridge');
  const noLocalnet = { ...v, firewall: { ...v.firewall!, sysctls: { ...v.firewall!.sysctls, 'net.ipv4.conf.docker0.route_localnet': '0' } } };
  assert.is(whyOn(noLocalnet, 'host', '127.0.0.1:8080').request.at(-1)!.reason, 'localnet');
});

test('icc on: the icc ACCEPT decides', () => {
  const t = whyOn(applied(ICC.replace('icc: false', 'icc: true')), 'c', 'a:81');
  assert.is(t.verdict, 'allowed');
  assert.equal(decider(t)!.cause, { kind: 'icc', field: 'bridges.docker0.icc', bridge: 'docker0' });
});

test('bridges are isolated; a published port is open to every bridge, masqueraded onto it', () => {
  const v = applied(BRIDGES);
  const xy = whyOn(v, 'x', 'y:80');
  assert.is(xy.verdict, 'blocked');
  assert.equal([decider(xy)!.chain, decider(xy)!.cause?.kind, decider(xy)!.cause?.bridge], ['TNET-ISOLATION-2', 'isolation', 'br-two']);
  assert.is(whyOn(v, 'x', 'x2').verdict, 'allowed');
  const pub = whyOn(v, 'x', `${HOST_IP}:8080`);
  assert.is(pub.verdict, 'allowed');
  assert.is(pub.arrival?.seenFrom, '10.202.0.1');
  const out = whyOn(v, 'x', OUTSIDE_IP + ':7000');
  assert.is(out.verdict, 'allowed');
  assert.equal(out.arrival, { kind: 'outside', name: 'uplink', ip: OUTSIDE_IP, port: 7000, seenFrom: HOST_IP });
});

test('an internal bridge: no default route inside, and the internal DROPs when one is added by hand', () => {
  const v = applied(BRIDGES);
  const t = whyOn(v, 'z', `${OUTSIDE_IP}:7000`);
  assert.is(t.verdict, 'blocked');
  assert.is(t.request.at(-1)!.reason, 'no-route');
  const z = v.netns.z;
  const routed = { ...v, netns: { ...v.netns, z: { ...z, routes: [...z.routes, { dst: 'default', gateway: '10.203.0.1', dev: 'eth0', protocol: 'static' }] } } };
  const d = whyOn(routed, 'z', `${OUTSIDE_IP}:7000`);
  assert.is(d.verdict, 'blocked');
  assert.equal(decider(d)!.cause, { kind: 'internal', field: 'bridges.br-int.internal', bridge: 'br-int' });
  assert.is(whyOn(v, 'z', 'z2:80').verdict, 'allowed');
  assert.is(whyOn(v, 'x', 'z2:80').verdict, 'blocked');
  assert.is(whyOn(v, 'host', 'z2:80').verdict, 'allowed');
});

test('a port bound to one address: open there, while the host itself answers on its other addresses', () => {
  const v = applied(BRIDGES);
  const bound = whyOn(v, OUTSIDE_IP, `${OTHER_HOST_IP}:8081`);
  assert.is(bound.verdict, 'allowed');
  assert.is(bound.arrival?.name, 'y');
  assert.is(bound.request[1].rules.at(-1)!.cause?.port, `${OTHER_HOST_IP}:8081:81/tcp`);
  const other = whyOn(v, OUTSIDE_IP, `${HOST_IP}:8081`);
  assert.equal([other.verdict, other.arrival?.kind], ['allowed', 'host']);
  assert.ok(other.advice.some((a) => a.startsWith(`y publishes 8081/tcp on ${OTHER_HOST_IP} only`)), other.advice.join('\n'));
});

test('the kernel switches: bridged traffic unseen without bridge-nf-call-iptables; no forwarding without ip_forward', () => {
  const v = applied(ICC);
  const nf = { ...v, firewall: { ...v.firewall!, sysctls: { 'net.bridge.bridge-nf-call-iptables': '0' } } };
  const t = whyOn(nf, 'c', 'a:80');
  assert.is(t.verdict, 'allowed');
  assert.is(t.drift?.afterApply, 'blocked', 'tnet apply sets it back to 1');
  const fwd = whyOn({ ...applied(BRIDGES), ipForward: false }, 'x', OUTSIDE_IP);
  assert.equal([fwd.verdict, fwd.request.at(-1)!.reason], ['blocked', 'no-forward']);
});

test.run();
