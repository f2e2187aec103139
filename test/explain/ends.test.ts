// SRC and DST as words: DST's port and protocol, names of the spec or of tnet's marks, aliases, `host` as the
// source reaches it, `outside`, addresses, and the names that cannot be resolved.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTarget, resolveQuery } from '../../src/explain/ends.js';
import { endpointsFromMarks, netnsAliases } from '../../src/explain/view.js';
import type { NetView } from '../../src/model/why.js';
import { applied, HOST_IP, OUTSIDE_IP } from './sim.js';

const SPEC = `version: 1
containers:
  a: {}
  side: { network: "container:a" }
  tools: { network: host }
  lonely: { network: none }
`;

const resolve = (v: NetView, src: string, dst: string) => {
  const r = resolveQuery(v, src, parseTarget(dst)!);
  return r.ok ? r.value : r.errors.map((e) => e.message);
};

test('DST: no port is a ping, a port is tcp unless /udp; anything else is not a target', () => {
  assert.equal(parseTarget('a'), { name: 'a', port: null, proto: 'icmp' });
  assert.equal(parseTarget('10.0.0.1:53/udp'), { name: '10.0.0.1', port: 53, proto: 'udp' });
  assert.equal(parseTarget('host:8080'), { name: 'host', port: 8080, proto: 'tcp' });
  for (const bad of ['a:0', 'a:65536', 'a:80/sctp', 'a/udp', 'a:b', '']) assert.is(parseTarget(bad), null, bad);
});

test('names, aliases and addresses resolve to ends', () => {
  const v = applied(SPEC);
  const a = v.endpoints.find((e) => e.container === 'a')!.ip;
  const q = resolve(v, 'side', 'a:80') as Exclude<ReturnType<typeof resolve>, string[]>;
  assert.equal(q.src, { kind: 'container', name: 'a', ip: a, spec: 'sim' }, 'a container:X member is X');
  assert.equal(q.dst, { kind: 'container', name: 'a', ip: a, spec: 'sim' });
  assert.equal((resolve(v, 'tools', a) as { src: unknown }).src, { kind: 'host', name: 'host', ip: HOST_IP, spec: null }, 'a host-mode container is the host');
  assert.equal((resolve(v, OUTSIDE_IP, 'host:80') as { dst: unknown }).dst, { kind: 'host', name: 'host', ip: HOST_IP, spec: null });
  assert.equal((resolve(v, 'a', 'host') as { dst: unknown }).dst, { kind: 'host', name: 'host', ip: '172.17.0.1', spec: null }, 'a container reaches the host by its gateway');
  assert.equal((resolve(v, a, OUTSIDE_IP) as { src: unknown; dst: unknown }).dst, { kind: 'outside', name: OUTSIDE_IP, ip: OUTSIDE_IP, spec: null });
});

test('outside is the default route gateway; unknown, ambiguous and network-less names are errors', () => {
  const v = applied(SPEC);
  assert.equal(resolve(v, 'a', 'outside'), ['this host has no default route, so `outside` names no address']);
  const routed = { ...v, routes: [...v.routes, { dst: 'default', gateway: '198.18.0.254', dev: 'uplink', protocol: 'static' }] };
  assert.equal((resolve(routed, 'a', 'outside') as { dst: unknown }).dst, { kind: 'outside', name: 'outside', ip: '198.18.0.254', spec: null });
  assert.equal(resolve(v, 'nobody', 'a'), ["no container named 'nobody' on this host"]);
  assert.equal(resolve(v, 'lonely', 'a'), ['containers.lonely has no network of its own (network: none): nothing reaches it, nor leaves it']);
  const twice = { ...v, endpoints: [...v.endpoints, { ...v.endpoints[0], spec: 'other' }] };
  assert.equal(resolve(twice, 'a', 'host'), ["'a' is a container of specs sim and other"]);
});

test('without the spec: containers from the seals, members of their namespaces by its identity', () => {
  const v = applied(SPEC);
  const eps = endpointsFromMarks(v.links);
  assert.equal(eps.map((e) => [e.container, e.spec, e.bridge, e.ifname]), [['a', 'sim', 'docker0', null]]);
  assert.equal(netnsAliases([{ name: 'a', id: '4:1' }, { name: 'side', id: '4:1' }, { name: 'x', id: '4:2' }], eps), { side: 'a' });
});

test.run();
