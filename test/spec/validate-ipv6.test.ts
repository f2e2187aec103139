// Semantic checks of the IPv6 fields: each error names its field; what is valid passes.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSources } from '../../src/spec/load.js';

function errs(body: string): string[] {
  const r = parseSources([{ file: 'v.yaml', text: `version: 1\n${body}` }], 'v');
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

test('a dual-stack bridge with fixed and allocated addresses is valid', () => {
  assert.equal(errs(`bridges:
  b: { subnet: 10.1.0.0/24, subnet6: "fd00:1::/64", gateway6: "fd00:1::fe", ipRange6: "fd00:1::100/120" }
containers:
  a: { bridge: b, ip6: "fd00:1::5", ports: ["[::]:8080:80", "0.0.0.0:8080:80"] }
  c: { networks: { b: { ip6: "fd00:1::6" } } }
`), []);
});

test('subnet6, gateway6 and ipRange6: form, host bits, containment, size, needing subnet6', () => {
  assert.equal(errs(`bridges:
  a: { subnet6: "fd00:1::1/64" }
  b: { subnet6: "10.0.0.0/8" }
  c: { subnet6: "fd00:3::/64", gateway6: "fd00:4::1", ipRange6: "fd00:5::/80" }
  d: { gateway6: "fd00:6::1", ipRange6: "fd00:6::/80" }
  e: { subnet6: "fd00:7::/127" }
  f: { subnet6: "fd00:8::/64", gateway6: "fd00:8::" }
`), [
    'bridges.a.subnet6: subnet6 fd00:1::1/64 has host bits set',
    'bridges.b.subnet6: subnet6 "10.0.0.0/8" is not an IPv6 CIDR like fd00:1::/64',
    'bridges.c.gateway6: gateway6 fd00:4::1 is outside subnet6 fd00:3::/64',
    'bridges.c.ipRange6: ipRange6 fd00:5::/80 is not inside subnet6 fd00:3::/64',
    'bridges.d.gateway6: gateway6 needs subnet6 on bridge d',
    'bridges.d.ipRange6: ipRange6 needs subnet6 on bridge d',
    'bridges.e.subnet6: subnet6 fd00:7::/127 is too small: a bridge needs a /126 or larger',
    'bridges.f.gateway6: gateway6 fd00:8:: is the subnet-router anycast address of fd00:8::/64',
  ]);
});

test('subnet6 overlaps, ip6 outside, on the gateway, on an IPv4-only network, duplicated; IPv6 ports need IPv6', () => {
  assert.equal(errs(`bridges:
  b: { subnet: 10.1.0.0/24, subnet6: "fd00:1::/64" }
  o: { subnet: 10.2.0.0/24, subnet6: "fd00:1:0:0:8000::/80" }
  v4: { subnet: 10.3.0.0/24 }
containers:
  a: { bridge: b, ip6: "fd00:2::1" }
  g: { bridge: b, ip6: "fd00:1::1" }
  x: { bridge: v4, ip6: "fd00:1::9", ports: ["[2001:db8::1]:80:80", "8081:81"] }
  y: { bridge: b, ip6: "fd00:1::7" }
  z: { bridge: b, ip6: "fd00:1::7" }
  n: { network: none, ip6: "fd00:1::8" }
`), [
    'bridges.o.subnet6: subnet6 fd00:1:0:0:8000::/80 of bridge o overlaps fd00:1::/64 of bridge b',
    'containers.a.ip6: ip6 fd00:2::1 is outside subnet6 fd00:1::/64 of b',
    'containers.g.ip6: ip6 fd00:1::1 is the gateway of b',
    'containers.x.ip6: ip6 fd00:1::9 on network v4, which has no subnet6',
    'containers.x.ports: x publishes [2001:db8::1]:80->80/tcp on IPv6, but its network v4 has no subnet6',
    'containers.n.ip6: conflicting options: ip6 and network: none',
    'containers.z.ip6: ip6 fd00:1::7 is also the address of y on b',
  ]);
});

test("overlays: subnet6 needs each host's ipRange6 inside it, disjoint", () => {
  assert.equal(errs(`overlays:
  ov:
    vni: 7
    subnet: 10.9.0.0/16
    subnet6: "fd00:9::/64"
    hosts:
      h1: { underlay: 192.0.2.1, ipRange: 10.9.1.0/24, ipRange6: "fd00:9::/96" }
      h2: { underlay: 192.0.2.2, ipRange: 10.9.2.0/24, ipRange6: "fd00:9::/96" }
      h3: { underlay: 192.0.2.3, ipRange: 10.9.3.0/24 }
      h4: { underlay: 192.0.2.4, ipRange: 10.9.4.0/24, ipRange6: "fd00:a::/96" }
`), [
    'overlays.ov.hosts.h2.ipRange6: ipRange6 fd00:9::/96 of host h2 overlaps fd00:9::/96 of host h1',
    'overlays.ov.hosts.h3: host h3 of dual-stack overlay ov needs ipRange6',
    'overlays.ov.hosts.h4.ipRange6: ipRange6 fd00:a::/96 of host h4 is not inside subnet6 fd00:9::/64 of overlay ov',
  ]);
});

test.run();
