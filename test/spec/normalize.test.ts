// Defaults: host flags, bridge subnets and gateways, implicit docker0, network modes, links, extra hosts.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Spec } from '../../src/model/spec.js';
import { normalize } from '../../src/spec/normalize.js';
import type { RawSpec, SchemaNode } from '../../src/spec/schema.js';

function norm(raw: RawSpec): Spec {
  const r = normalize(raw, 't');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.value;
}

function errors(raw: RawSpec) {
  const r = normalize(raw, 't');
  assert.not.ok(r.ok);
  return r.ok ? [] : r.errors;
}

test('host flags default to true', () => {
  assert.equal(norm({ version: 1 }).host, { ipForward: true, iptables: true, ip6tables: true, ipMasq: true, icc: true });
  assert.equal(norm({ version: 1, host: { icc: false } }).host, { ipForward: true, iptables: true, ip6tables: true, ipMasq: true, icc: false });
  assert.equal(norm({ version: 1, host: null }).host.ipMasq, true);
});

test('no containers, no bridges: nothing added', () => {
  assert.equal(norm({ version: 1 }), { name: 't', host: norm({ version: 1 }).host, bridges: {}, overlays: {}, containers: {} });
});

test('bridge defaults: gateway first host, mtu 1500, icc from host', () => {
  const s = norm({ version: 1, host: { icc: false }, bridges: { br0: { subnet: '10.1.0.0/24' } } });
  assert.equal(s.bridges.br0, {
    name: 'br0', subnet: '10.1.0.0/24', gateway: '10.1.0.1', mtu: 1500, ipRange: null, subnet6: null, gateway6: null, ipRange6: null, icc: false, internal: false, external: false, uplink: null, overlay: null,
  });
});

test('docker0 may omit its subnet; others get the first free /16 of 172.18-31', () => {
  const s = norm({ version: 1, bridges: { docker0: null, a: {}, b: { subnet: '172.19.0.0/16' }, c: {}, d: { subnet: '172.20.5.0/24' }, e: {} } });
  assert.is(s.bridges.docker0.subnet, '172.17.0.0/16');
  assert.is(s.bridges.docker0.gateway, '172.17.0.1');
  assert.is(s.bridges.a.subnet, '172.18.0.0/16');
  assert.is(s.bridges.c.subnet, '172.21.0.0/16');
  assert.is(s.bridges.e.subnet, '172.22.0.0/16');
  assert.is(s.bridges.e.gateway, '172.22.0.1');
});

test('auto subnets run out', () => {
  const bridges: Record<string, object> = {};
  for (let i = 0; i < 15; i++) bridges[`b${i}`] = {};
  const [e] = errors({ version: 1, bridges });
  assert.is(e.path, 'bridges.b14');
});

test('external bridge without subnet keeps none (validate reports it)', () => {
  assert.is(norm({ version: 1, bridges: { br0: { external: true } } }).bridges.br0.subnet, '');
});

test('implicit docker0 when a bridge-mode container uses it', () => {
  const s = norm({ version: 1, containers: { a: {} } });
  assert.equal(s.bridges.docker0, {
    name: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', mtu: 1500, ipRange: null, subnet6: null, gateway6: null, ipRange6: null, icc: true, internal: false, external: false, uplink: null, overlay: null,
  });
  assert.equal(norm({ version: 1, containers: { a: { network: 'host' }, b: { network: 'none' } } }).bridges, {});
  const two = norm({ version: 1, bridges: { a: {}, b: {} }, containers: { c: null } });
  assert.equal(Object.keys(two.bridges).sort(), ['a', 'b', 'docker0']);
  assert.equal(two.containers.c.network, { kind: 'bridge', bridge: 'docker0' });
});

test('container defaults', () => {
  const s = norm({ version: 1, containers: { web: null } });
  assert.equal(s.containers.web, {
    name: 'web', network: { kind: 'bridge', bridge: 'docker0' }, networks: [{ network: 'docker0', ip: null, ip6: null, mac: null, aliases: [] }],
    host: null, ip: null, ip6: null, mac: null, mtu: 1500, hostname: 'web',
    dns: [], dnsSearch: [], dnsOptions: [], extraHosts: [], links: [], expose: [], ports: [], publishAll: false, netns: null,
  });
});

test('network modes and bridge choice', () => {
  const s = norm({
    version: 1,
    bridges: { br0: { subnet: '10.0.0.0/24', mtu: 9000 } },
    containers: {
      a: {}, b: { network: 'br0' }, c: { network: 'bridge', bridge: 'docker0' }, d: { network: 'none' },
      e: { network: 'host' }, f: { network: 'container:a' }, g: { bridge: 'br0', mtu: 1400 },
    },
  });
  const net = (n: string) => s.containers[n].network;
  assert.equal(net('a'), { kind: 'bridge', bridge: 'br0' }, 'the only declared bridge');
  assert.equal(net('b'), { kind: 'bridge', bridge: 'br0' }, 'a bridge name as network');
  assert.equal(net('c'), { kind: 'bridge', bridge: 'docker0' });
  assert.equal(net('d'), { kind: 'none' });
  assert.equal(net('e'), { kind: 'host' });
  assert.equal(net('f'), { kind: 'container', target: 'a' });
  assert.is(s.containers.a.mtu, 9000, 'the bridge mtu');
  assert.is(s.containers.g.mtu, 1400);
  assert.is(s.containers.d.mtu, null);
  assert.ok(s.bridges.docker0, 'c uses docker0');
});

test('network errors', () => {
  const errs = errors({
    version: 1,
    bridges: { br0: {}, br1: {} },
    containers: { a: { network: 'brdige' }, b: { network: 'container:' }, c: { network: 'host', bridge: 'br0' }, d: { network: 'br0', bridge: 'br1' } },
  });
  assert.equal(errs.map((e) => e.path), ['containers.a.network', 'containers.b.network', 'containers.c.bridge', 'containers.d.bridge']);
  assert.is(errs[0].hint, 'did you mean "bridge"?');
});

test('links, extraHosts, mac, ports, expose', () => {
  const c = norm({
    version: 1,
    containers: {
      a: {
        links: ['b:web', 'c'], extraHosts: ['db:10.0.0.5', 'v6:2001:db8::1'], mac: '02:42:AC:11:00:02',
        ports: ['8080:80', 53], expose: ['53/udp'], dns: ['1.1.1.1'], dnsSearch: ['x.org'], dnsOptions: ['ndots:2'],
        hostname: 'h', ip: '172.17.0.9', publishAll: true, netns: '/proc/1/ns/net',
      },
    },
  }).containers.a;
  assert.equal(c.links, [{ target: 'b', alias: 'web' }, { target: 'c', alias: 'c' }]);
  assert.equal(c.extraHosts, [{ name: 'db', ip: '10.0.0.5' }, { name: 'v6', ip: '2001:db8::1' }]);
  assert.is(c.mac, '02:42:ac:11:00:02');
  assert.is(c.ports.length, 2);
  assert.equal(c.expose, [{ port: 53, proto: 'udp' }]);
  assert.is(c.netns, '/proc/1/ns/net');
});

test('bad list entries are reported by path, all of them', () => {
  const errs = errors({ version: 1, containers: { a: { ports: ['80', '0:80', 'x'], links: [':x'], extraHosts: ['nocolon'], expose: ['1-0'] } } });
  assert.equal(errs.map((e) => e.path), [
    'containers.a.extraHosts[0]', 'containers.a.links[0]', 'containers.a.expose[0]', 'containers.a.ports[1]', 'containers.a.ports[2]',
  ]);
  assert.is(errs[3].code, 'port');
});

// A field the JSON schema accepts but normalize ignores would be silently dropped: every one must change the Spec.
const schema = JSON.parse(readFileSync(new URL('../../../specs/tnet.schema.json', import.meta.url), 'utf8')) as SchemaNode;
const SAMPLES: Record<string, unknown> = {
  ipForward: false, iptables: false, ipMasq: false, icc: false, subnet: '10.9.0.0/16', gateway: '10.9.0.9', mtu: 1400,
  ipRange: '10.9.1.0/24', internal: true, external: true, network: 'none', bridge: 'other', ip: '10.9.0.5', mac: '02:00:00:00:00:01',
  hostname: 'h', dns: ['1.1.1.1'], dnsSearch: ['x.org'], dnsOptions: ['rotate'], extraHosts: ['a:1.2.3.4'], links: ['x'],
  expose: [80], ports: ['80'], publishAll: true, netns: '/proc/1/ns/net', uplink: 'eth9', networks: { other: null, more: {} },
  host: 'h1', ip6tables: false, subnet6: 'fd00:9::/64', gateway6: 'fd00:9::9', ipRange6: 'fd00:9::/80', ip6: 'fd00:9::5',
};
/** Fields that need another to mean anything: the container's gateway picks one of its networks. */
const CONTEXT: Record<string, { value: unknown; with: Record<string, unknown> }> = {
  'container.gateway': { value: 'more', with: { networks: { other: null, more: {} } } },
};

test('IPv6: written as the kernel prints it, gateway6 the first address of subnet6, none without subnet6', () => {
  const s = norm({ version: 1, bridges: { b6: { subnet6: 'FD00:1:0:0::/64', ipRange6: 'fd00:1:0::8000/113' }, b4: {} }, containers: { c: { bridge: 'b6', ip6: 'fd00:1:0::0:5' } } });
  assert.is(s.bridges.b6.subnet6, 'fd00:1::/64');
  assert.is(s.bridges.b6.gateway6, 'fd00:1::1');
  assert.is(s.bridges.b6.ipRange6, 'fd00:1::8000/113');
  assert.is(s.containers.c.networks[0].ip6, 'fd00:1::5');
  assert.equal([s.bridges.b4.subnet6, s.bridges.b4.gateway6], [null, null]);
  assert.is(norm({ version: 1, bridges: { b: { subnet6: 'fd00:2::/64', gateway6: 'fd00:2::fe' } } }).bridges.b.gateway6, 'fd00:2::fe');
});

test('every schema field reaches the Spec', () => {
  const groups: [string, SchemaNode][] = [['host', schema.properties!.host], ['bridge', schema.$defs!.bridge], ['container', schema.$defs!.container]];
  for (const [group, node] of groups) {
    for (const field of Object.keys(node.properties!)) {
      const context = CONTEXT[`${group}.${field}`];
      const value = context?.value ?? SAMPLES[field];
      const base = context?.with ?? {};
      assert.ok(value !== undefined, `no sample for ${field}`);
      const wrap = (v: Record<string, unknown>): RawSpec =>
        group === 'host' ? { version: 1, host: v } : group === 'bridge' ? { version: 1, bridges: { b: v } } : { version: 1, bridges: { other: {}, more: {} }, containers: { c: v } };
      assert.not.equal(norm(wrap({ ...base, [field]: value })), norm(wrap(base)), `${group}.${field} is ignored`);
    }
  }
});

test.run();
