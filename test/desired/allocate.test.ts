import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocate } from '../../src/desired/allocate.js';
import { held } from '../../src/desired/held.js';
import { parseSources } from '../../src/spec/load.js';
import type { Spec } from '../../src/model/spec.js';

function spec(yaml: string): Spec {
  const r = parseSources([{ file: 't.yaml', text: yaml }], 't');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const three = spec(`version: 1
bridges:
  br0: {subnet: 10.1.0.0/24}
containers:
  a: {}
  b: {ip: 10.1.0.2}
  c: {}
`);

test('addresses: explicit ones first, then the lowest free, never network, gateway or broadcast', () => {
  const r = allocate(three, { ips: {}, hostPorts: {} });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.ips, { b: '10.1.0.2', a: '10.1.0.3', c: '10.1.0.4' });
});

test('addresses held in the kernel stay with their containers when others come and go', () => {
  const r = allocate(three, { ips: { c: '10.1.0.9', a: '10.1.0.3' }, hostPorts: {} });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.ips, { b: '10.1.0.2', a: '10.1.0.3', c: '10.1.0.9' });
});

test('a held address now taken by an explicit one moves', () => {
  const r = allocate(three, { ips: { a: '10.1.0.2' }, hostPorts: {} });
  assert.ok(r.ok);
  if (r.ok) assert.is(r.value.ips.a, '10.1.0.3');
});

test('ipRange is used whole, as Docker\'s --fixed-cidr: its first address is the first handed out', () => {
  const fourIn = (range: string) => spec(`version: 1
bridges:
  br0: {subnet: 10.1.0.0/24, ipRange: ${range}}
containers:
  a: {}
  b: {}
  c: {}
  d: {}
`);
  const r = allocate(fourIn('10.1.0.128/30'), { ips: {}, hostPorts: {} });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.ips, { a: '10.1.0.128', b: '10.1.0.129', c: '10.1.0.130', d: '10.1.0.131' });
  assert.not.ok(allocate(fourIn('10.1.0.252/30'), { ips: {}, hostPorts: {} }).ok, 'the subnet\'s broadcast (.255) is never handed out');
});

test('an exhausted pool is an error on the bridge path', () => {
  const s = spec(`version: 1
bridges:
  br0: {subnet: 10.1.0.0/30}
containers:
  a: {}
  b: {}
`);
  const r = allocate(s, { ips: {}, hostPorts: {} });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.errors[0].path, 'bridges.br0.subnet');
});

test('host port ranges: one port each, and an exhausted range is an error, never a shared port', () => {
  const s = spec(`version: 1
containers:
  a: {ports: ["8000-8001:80"]}
  b: {ports: ["8000-8001:80"]}
  c: {ports: ["8000-8001:80"]}
`);
  const r = allocate(s, { ips: {}, hostPorts: {} });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.errors[0].path, 'containers.c.ports');
  const two = spec(`version: 1
containers:
  a: {ports: ["8000-8001:80"]}
  b: {ports: ["8000-8001:80", "53/udp"]}
`);
  const ok2 = allocate(two, { ips: {}, hostPorts: { 'b/tcp/80': 8000 } });
  assert.ok(ok2.ok);
  if (ok2.ok) {
    assert.equal(Object.values(ok2.value.hostPorts).sort(), [32768, 8000, 8001].sort());
    assert.is(ok2.value.hostPorts['b/tcp/80/0'], 8000, 'b keeps the port it holds');
  }
});

test('ephemeral host ports skip the ones other specs publish, per protocol', () => {
  const s = spec(`version: 1
containers:
  a: {ports: ["80", "53/udp"]}
`);
  const r = allocate(s, { ips: {}, hostPorts: {}, taken: ['tcp/32768', 'tcp/32769', 'udp/32770'] });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.hostPorts, { 'a/tcp/80/0': 32770, 'a/udp/53/1': 32768 });
});

test('ephemeral host ports skip the ones host sockets hold; a port chosen earlier stays even if a socket took it since', () => {
  const s = spec(`version: 1
containers:
  a: {ports: ["80", "81", "8000-8001:90"]}
`);
  const inUse = ['tcp/32768', 'tcp/32770', 'udp/32769', 'tcp/8000'];
  const r = allocate(s, { ips: {}, hostPorts: {}, inUse });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.hostPorts, { 'a/tcp/80/0': 32769, 'a/tcp/81/1': 32771, 'a/tcp/90/2': 8001 });
  const again = allocate(s, { ips: {}, hostPorts: { 'a/tcp/80': 32768, 'a/tcp/81': 32771 }, inUse });
  assert.ok(again.ok);
  if (again.ok) assert.equal(again.value.hostPorts, { 'a/tcp/80/0': 32768, 'a/tcp/81/1': 32771, 'a/tcp/90/2': 8001 });
});

test('held: the ports of the host sockets, once each, per protocol', () => {
  const sock = (proto: 'tcp' | 'udp', ip: string, port: number) => ({ proto, ip, ipv4: ip, port, inode: 1, owner: null });
  const h = held(three, {}, { own: {}, names: [] }, null, [sock('tcp', '0.0.0.0', 22), sock('tcp', '127.0.0.1', 22), sock('udp', '0.0.0.0', 22)]);
  assert.equal(h.inUse, ['tcp/22', 'udp/22']);
});

test('held says whether the spec leaves a host port to tnet; allocate then chooses one, as without the hint', () => {
  const links = { own: {}, names: [] };
  const named = spec(`version: 1\ncontainers:\n  a: {ports: ["8080:80"]}\n  b: {}\n`);
  const chosen = spec(`version: 1\ncontainers:\n  a: {ports: ["8080:80"]}\n  b: {ports: ["80"]}\n`);
  assert.is(held(named, {}, links, null).chooses, false);
  assert.is(held(chosen, {}, links, null).chooses, true);
  for (const s of [named, chosen]) {
    const hinted = allocate(s, held(s, {}, links, null));
    assert.equal(hinted, allocate(s, { ips: {}, hostPorts: {}, links }));
    assert.equal(hinted.ok && hinted.value.hostPorts, s === chosen ? { 'b/tcp/80/0': 32768 } : {});
  }
});

test('a range whose every port is in use is exhausted', () => {
  const s = spec(`version: 1
containers:
  a: {ports: ["8000-8001:90"]}
`);
  const r = allocate(s, { ips: {}, hostPorts: {}, inUse: ['tcp/8000', 'tcp/8001'] });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.errors[0].code, 'port-exhausted');
});

test.run();
