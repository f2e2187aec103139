// IPv6 allocation: fixed ip6 first, then what the kernel holds, then the lowest free; IPv4-only networks get none.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocate } from '../../src/desired/allocate.js';
import { desire } from '../../src/desired/desired.js';
import { heldAddresses } from '../../src/desired/held.js';
import { parseSources } from '../../src/spec/load.js';
import { parseSeal, sealAlias } from '../../src/ownership/marks.js';
import type { Spec } from '../../src/model/spec.js';
import { link, netns } from '../helpers/fixtures.js';

function spec(yaml: string): Spec {
  const r = parseSources([{ file: 't.yaml', text: yaml }], 't');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const dual = spec(`version: 1
bridges:
  b6: { subnet: 10.1.0.0/24, subnet6: "fd00:1::/64" }
  b4: { subnet: 10.2.0.0/24 }
  r6: { subnet: 10.3.0.0/24, subnet6: "fd00:3::/64", ipRange6: "fd00:3::100/126" }
containers:
  a: { bridge: b6 }
  b: { bridge: b6, ip6: "fd00:1::2" }
  c: { networks: { b6: {}, b4: {} } }
  d: { bridge: b4 }
  r1: { bridge: r6 }
  r2: { bridge: r6 }
`);

test('lowest free after the gateway, fixed ones kept; IPv4-only endpoints get no IPv6 address', () => {
  const r = allocate(dual, { ips: {}, hostPorts: {} });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.ips6, { b: 'fd00:1::2', a: 'fd00:1::3', c: 'fd00:1::4', r1: 'fd00:3::100', r2: 'fd00:3::101' });
});

test('held IPv6 addresses stay with their containers; one outside the pool or taken is replaced', () => {
  const r = allocate(dual, { ips: {}, ips6: { c: 'fd00:1::9', a: 'fd00:1::2', r1: 'fd00:3::103' }, hostPorts: {} });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.ips6, { b: 'fd00:1::2', c: 'fd00:1::9', a: 'fd00:1::3', r1: 'fd00:3::103', r2: 'fd00:3::100' });
});

test('an exhausted ipRange6 is an error naming the field', () => {
  const small = spec(`version: 1
bridges:
  r6: { subnet: 10.3.0.0/24, subnet6: "fd00:3::/64", ipRange6: "fd00:3::100/127" }
containers: { a: { bridge: r6 }, b: { bridge: r6 }, c: { bridge: r6 } }
`);
  const r = allocate(small, { ips: {}, hostPorts: {} });
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal([r.errors[0].code, r.errors[0].path], ['pool-exhausted', 'bridges.r6.ipRange6']);
});

test('desired: the bridge holds gateway6, the endpoint ip6 and its gateway; IPv4-only seals are as before IPv6', () => {
  const r = desire({ spec: dual, held: { ips: {}, hostPorts: {} }, hostResolv: '', firewall: false });
  assert.ok(r.ok);
  if (!r.ok) return;
  const d = r.value;
  assert.is(d.bridges.find((b) => b.name === 'b6')!.address6, 'fd00:1::1/64');
  assert.is(d.bridges.find((b) => b.name === 'b4')!.address6, null);
  assert.is(d.ipForward6, true);
  const a = d.endpoints.find((e) => e.container === 'a')!;
  assert.equal([a.address6, a.gateway6], ['fd00:1::3/64', 'fd00:1::1']);
  assert.equal(parseSeal(a.seal), { address: a.address, netnsKind: 'netns', address6: 'fd00:1::3/64' });
  const dd = d.endpoints.find((e) => e.container === 'd')!;
  assert.is(dd.address6, null);
  const inside = [{ name: 'd', kind: 'created', mark: dd.mark.replace('/veth/', '/netns/') }, 'eth0', dd.address, dd.gateway, dd.mac, dd.mtu, true];
  assert.is(dd.seal, sealAlias(dd.mark, dd.address, 'netns', inside), 'the digest of an IPv4-only endpoint hashes what it always did');
  assert.is(parseSeal(dd.seal)?.address6, null);
});

test('a spec without subnet6 leaves IPv6 forwarding as it is', () => {
  const v4 = spec(`version: 1
bridges: { b4: { subnet: 10.2.0.0/24 } }
containers: { d: {} }
`);
  const r = desire({ spec: v4, held: { ips: {}, hostPorts: {} }, hostResolv: '', firewall: false });
  assert.ok(r.ok && r.value.ipForward6 === null);
});

test('held: IPv6 addresses read from seals and from eth0 of namespaces entered', () => {
  const links = [link({ name: 'veth1', alias: 'tnet:t/veth/a@10.1.0.3/24@netns@01234567@fd00:1::7/64' }), link({ name: 'veth2', alias: 'tnet:t/veth/d@10.2.0.2/24@netns@01234567' })];
  const inside = { c: netns({ name: 'c', mark: 'tnet:t/netns/c', links: [link({ name: 'eth0', addrs: ['10.1.0.4/24'], addrs6: ['fd00:1::8/64'] })] }) };
  assert.equal(heldAddresses('t', links, inside).v6, { a: 'fd00:1::7', c: 'fd00:1::8' });
});

test.run();
