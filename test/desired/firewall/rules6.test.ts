// ip6tables rules as data: a dual-stack bridge gets IPv4's chains again in the IPv6 tables, ports by family.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desiredFirewall } from '../../../src/desired/firewall/rules.js';
import type { FwBridge, FwContainer, FwPort } from '../../../src/desired/firewall/input.js';
import type { FirewallDesired, FwTableDesired } from '../../../src/model/firewall.js';
import { desire } from '../../../src/desired/desired.js';
import { parseSources } from '../../../src/spec/load.js';
import { nginx1, nginx2, quickstart } from './fw-fixtures.js';

const C = '-m comment --comment "tnet:q"';
const dual: FwBridge = { ...quickstart().bridges[0], subnet6: 'fd00:17::/64', gateway6: 'fd00:17::1' };
const n1: FwContainer = { ...nginx1, ip6: 'fd00:17::2' };
const n2: FwContainer = { ...nginx2, ip6: 'fd00:17::3' };
const dualStack = (over: { bridge?: Partial<FwBridge>; containers?: FwContainer[]; ipMasq?: boolean; ip6tables?: boolean } = {}) =>
  desiredFirewall(quickstart({
    bridges: [{ ...dual, ...over.bridge }],
    containers: over.containers ?? [n1, n2],
    ipMasq: over.ipMasq ?? true,
    ...(over.ip6tables === undefined ? {} : { ip6tables: over.ip6tables }),
  }));
const v6 = (d: FirewallDesired, name: string): FwTableDesired => d.tables6!.find((t) => t.table === name)!;
const v4 = (d: FirewallDesired, name: string): FwTableDesired => d.tables.find((t) => t.table === name)!;
const port = (over: Partial<FwPort>): FwPort => ({ hostIp: null, hostPort: 8080, containerPort: 80, proto: 'tcp', ...over });
const withPorts = (...ports: FwPort[]) => dualStack({ containers: [{ ...n1, ports }, n2] });

/** Between the bridge's own ports: MLD reports dropped (flooded to every port otherwise), Neighbour Discovery accepted before any drop. */
const ND = [
  `-i docker0 -o docker0 -p ipv6-icmp -m icmp6 --icmpv6-type 143 ${C} -j DROP`,
  ...[135, 136].map((t) => `-i docker0 -o docker0 -p ipv6-icmp -m icmp6 --icmpv6-type ${t} ${C} -j ACCEPT`),
];

test('a dual-stack bridge: the filter chains of IPv4 in ip6tables, with /128 addresses and no martian DROP', () => {
  const f = v6(dualStack(), 'filter');
  assert.equal(f.chains, {
    'TNET-USER': ['-m comment --comment tnet -j RETURN'],
    'TNET-ISOLATION-1': [...ND, `-i docker0 ! -o docker0 -m conntrack ! --ctstate DNAT ${C} -j TNET-ISOLATION-2`],
    'TNET-ISOLATION-2': [`-o docker0 ${C} -j DROP`],
    'TNET-FORWARD': [
      `-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED ${C} -j ACCEPT`,
      `-o docker0 ${C} -j TNET-PORTS-docker0`,
      `-i docker0 -o docker0 ${C} -j ACCEPT`,
      `-i docker0 ! -o docker0 ${C} -j ACCEPT`,
    ],
    'TNET-PORTS-docker0': [`-d fd00:17::2/128 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`],
    'TNET-INPUT': [],
  });
  assert.equal(f.keepChains, ['TNET-USER']);
  assert.equal(f.jumps, v4(dualStack(), 'filter').jumps, 'the same jumps as IPv4');
});

test('a dual-stack bridge: nat DNAT to [ip6]:port, masquerade of subnet6, hairpin; jumps skip ::1', () => {
  const n = v6(dualStack(), 'nat');
  assert.equal(n.chains, {
    TNET: [`${C} -j TNET-DNAT-docker0`],
    'TNET-DNAT-docker0': [`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination [fd00:17::2]:80`],
    'TNET-POSTROUTING': [
      `-s fd00:17::/64 ! -o docker0 ${C} -j MASQUERADE`,
      `-o docker0 ${C} -j TNET-HAIRPIN-docker0`,
    ],
    'TNET-HAIRPIN-docker0': [`-s fd00:17::2/128 -d fd00:17::2/128 -p tcp -m tcp --dport 80 ${C} -j MASQUERADE`],
  });
  assert.equal(n.jumps.map((j) => [j.from, j.rule]), [
    ['PREROUTING', '! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET'],
    ['OUTPUT', '! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET'],
    ['POSTROUTING', '-m comment --comment tnet -j TNET-POSTROUTING'],
  ]);
});

test('the IPv4 rules of a dual-stack bridge are those of an IPv4 one', () => {
  const d = dualStack();
  const plain = desiredFirewall(quickstart());
  assert.equal(d.tables, plain.tables);
  assert.equal(plain.tables6, [], 'an IPv4 bridge: no IPv6 table');
  assert.not.ok('net.bridge.bridge-nf-call-ip6tables' in plain.sysctls);
});

test('bridge-nf-call-ip6tables on with the IPv6 rules; no route_localnet for IPv6; hairpin for IPv6-only ports', () => {
  const d = withPorts(port({ family: 6 }));
  assert.equal(d.sysctls, {
    'net.bridge.bridge-nf-call-iptables': '1',
    'net.bridge.bridge-nf-call-ip6tables': '1',
    'net.ipv4.conf.docker0.route_localnet': '0',
  });
  assert.equal(d.hairpinPorts, ['veth-n1'], 'a container reaching its own [::]: port needs hairpin too');
});

test('hairpin ports of every bridge and both families: each host veth once, in order', () => {
  const bridges = ['b1', 'b2', 'b3'].map((name, k): FwBridge => ({ ...dual, name, subnet: `10.${k}.0.0/16`, gateway: `10.${k}.0.1`, subnet6: `fd00:${k}::/64`, gateway6: `fd00:${k}::1` }));
  const hostIfs = ['v-q', 'v-a', 'v-m', 'v-c', 'v-z', 'v-b', 'v-k'];
  const containers = hostIfs.map((hostIf, i): FwContainer => ({
    ...n1, name: `c${i}`, hostIf, bridge: bridges[i % 3].name, ip: `10.${i % 3}.0.${i + 2}`, ip6: `fd00:${i % 3}::${i + 2}`,
    ports: [port({ hostPort: 8000 + i }), ...(i % 2 ? [port({ hostPort: 9000 + i, family: 6 })] : [])], links: [],
  }));
  const d = desiredFirewall(quickstart({ bridges, containers, ipMasq: true }));
  assert.equal(d.hairpinPorts, [...hostIfs].sort());
  const one = desiredFirewall(quickstart({ bridges: [bridges[1]], containers: containers.filter((c) => c.bridge === 'b2'), ipMasq: true }));
  assert.equal(one.hairpinPorts, ['v-a', 'v-z']);
});

test('ports by family: 0.0.0.0 is IPv4 only, [::] IPv6 only, an address its own family, none both with one host port', () => {
  const dnat = (d: FirewallDesired) => [v4(d, 'nat').chains['TNET-DNAT-docker0'] ?? [], v6(d, 'nat').chains['TNET-DNAT-docker0'] ?? []];
  assert.equal(dnat(withPorts(port({ family: 4 }))), [[`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination 172.17.0.2:80`], []]);
  assert.equal(dnat(withPorts(port({ hostIp: '0.0.0.0' }))), [[`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination 172.17.0.2:80`], []]);
  assert.equal(dnat(withPorts(port({ family: 6 }))), [[], [`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination [fd00:17::2]:80`]]);
  assert.equal(dnat(withPorts(port({ hostIp: '::' }))), [[], [`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination [fd00:17::2]:80`]]);
  assert.equal(dnat(withPorts(port({ hostIp: '2001:db8::1', proto: 'udp', containerPort: 53, hostPort: 5353 }))), [
    [],
    [`-d 2001:db8::1/128 -p udp -m udp --dport 5353 ${C} -j DNAT --to-destination [fd00:17::2]:53`],
  ]);
  assert.equal(dnat(withPorts(port({ hostIp: '192.0.2.1' }))), [[`-d 192.0.2.1/32 -p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination 172.17.0.2:80`], []]);
  const both = dnat(withPorts(port({ hostPort: 32768 })));
  assert.equal(both, [
    [`-p tcp -m tcp --dport 32768 ${C} -j DNAT --to-destination 172.17.0.2:80`],
    [`-p tcp -m tcp --dport 32768 ${C} -j DNAT --to-destination [fd00:17::2]:80`],
  ]);
  // The FORWARD accept and the hairpin masquerade follow the DNAT: none in the family that does not publish.
  const v6only = withPorts(port({ family: 6 }));
  assert.not.ok('TNET-PORTS-docker0' in v4(v6only, 'filter').chains);
  assert.not.ok('TNET-DNAT-docker0' in v4(v6only, 'nat').chains);
  assert.equal(v4(v6only, 'nat').chains.TNET, []);
  assert.equal(v4(v6only, 'nat').chains['TNET-POSTROUTING'], [`-s 172.17.0.0/16 ! -o docker0 ${C} -j MASQUERADE`]);
});

test('ipMasq off: no masquerade of subnet6; internal: isolation drops of subnet6, no DNAT, no way out', () => {
  assert.equal(v6(dualStack({ ipMasq: false }), 'nat').chains['TNET-POSTROUTING'], [`-o docker0 ${C} -j TNET-HAIRPIN-docker0`]);
  const internal = dualStack({ bridge: { internal: true } });
  assert.equal(v6(internal, 'filter').chains['TNET-ISOLATION-1'], [
    ...ND,
    `! -s fd00:17::/64 -o docker0 ${C} -j DROP`,
    `! -d fd00:17::/64 -i docker0 ${C} -j DROP`,
  ]);
  assert.equal(v6(internal, 'filter').chains['TNET-FORWARD'], [
    `-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED ${C} -j ACCEPT`,
    `-i docker0 -o docker0 ${C} -j ACCEPT`,
  ]);
  assert.equal(v6(internal, 'nat').chains, { TNET: [], 'TNET-POSTROUTING': [] });
});

test('icc off: the DNAT accept, links by IPv6 address both ways, then the DROP', () => {
  assert.equal(v6(dualStack({ bridge: { icc: false } }), 'filter').chains['TNET-FORWARD'], [
    `-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED ${C} -j ACCEPT`,
    `-i docker0 -o docker0 -m conntrack --ctstate DNAT ${C} -j ACCEPT`,
    `-o docker0 ${C} -j TNET-PORTS-docker0`,
    `-s fd00:17::3/128 -d fd00:17::2/128 -i docker0 -o docker0 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`,
    `-s fd00:17::2/128 -d fd00:17::3/128 -i docker0 -o docker0 -p tcp -m tcp --sport 80 ${C} -j ACCEPT`,
    `-i docker0 -o docker0 ${C} -j DROP`,
    `-i docker0 ! -o docker0 ${C} -j ACCEPT`,
  ]);
});

test("DNS on the bridge: INPUT accepts queries to gateway6 too", () => {
  assert.equal(v6(dualStack({ bridge: { dns: true } }), 'filter').chains['TNET-INPUT'], [
    `-d fd00:17::1/128 -i docker0 -p udp -m udp --dport 53 ${C} -j ACCEPT`,
    `-d fd00:17::1/128 -i docker0 -p tcp -m tcp --dport 53 ${C} -j ACCEPT`,
  ]);
});

test('only dual-stack bridges and containers with an IPv6 address are in the IPv6 rules', () => {
  const br1: FwBridge = { name: 'br1', subnet: '10.1.0.0/24', gateway: '10.1.0.1', icc: true, internal: false, external: false, dns: false };
  const other: FwContainer = { ...nginx1, name: 'x', bridge: 'br1', ip: '10.1.0.2', hostIf: 'veth-x', ports: [] };
  const noIp6: FwContainer = { ...nginx1, name: 'y', ip: '172.17.0.9', hostIf: 'veth-y', ports: [port({ hostPort: 9090 })] };
  const d = desiredFirewall(quickstart({ bridges: [dual, br1], containers: [n1, other, noIp6] }));
  assert.equal(v4(d, 'filter').chains['TNET-ISOLATION-2'], [`-o br1 ${C} -j DROP`, `-o docker0 ${C} -j DROP`]);
  assert.equal(v6(d, 'filter').chains['TNET-ISOLATION-2'], [`-o docker0 ${C} -j DROP`]);
  assert.equal(v6(d, 'nat').chains.TNET, [`${C} -j TNET-DNAT-docker0`]);
  assert.equal(v6(d, 'nat').chains['TNET-DNAT-docker0'], [`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination [fd00:17::2]:80`]);
  assert.is(v4(d, 'nat').chains['TNET-DNAT-docker0'].length, 2);
});

test('host.ip6tables false: no IPv6 table, IPv4 as ever', () => {
  const d = dualStack({ ip6tables: false });
  assert.equal(d.tables6, []);
  assert.equal(d.tables, dualStack().tables);
  assert.not.ok('net.bridge.bridge-nf-call-ip6tables' in d.sysctls);
});

/** The spec through allocation and desire: what the firewall gets from subnet6, ports and host.ip6tables. */
function fromSpec(yaml: string): FirewallDesired {
  const spec = parseSources([{ file: 'q.yaml', text: `version: 1\n${yaml}` }], 'q');
  if (!spec.ok) throw new Error(spec.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  const d = desire({ spec: spec.value, held: { ips: {}, hostPorts: {} }, hostResolv: '', firewall: true });
  if (!d.ok) throw new Error(d.errors[0].message);
  return d.value.firewall!;
}

const SPEC = `bridges:
  br6: { subnet: 10.70.0.0/24, subnet6: "fd00:70::/64" }
containers:
  web: { bridge: br6, ports: ["8080:80", "0.0.0.0:8081:81", "[::]:8082:82", "[2001:db8::1]:8083:83", "90"] }
`;

test('from a spec: allocated IPv6 addresses, families of each mapping, one ephemeral host port for both', () => {
  const d = fromSpec(SPEC);
  const tnet4 = v4(d, 'nat').chains['TNET-DNAT-br6'];
  const tnet6 = v6(d, 'nat').chains['TNET-DNAT-br6'];
  const C2 = '-m comment --comment "tnet:q"';
  assert.equal(tnet6, [
    `-p tcp -m tcp --dport 8080 ${C2} -j DNAT --to-destination [fd00:70::2]:80`,
    `-p tcp -m tcp --dport 8082 ${C2} -j DNAT --to-destination [fd00:70::2]:82`,
    `-d 2001:db8::1/128 -p tcp -m tcp --dport 8083 ${C2} -j DNAT --to-destination [fd00:70::2]:83`,
    `-p tcp -m tcp --dport 32768 ${C2} -j DNAT --to-destination [fd00:70::2]:90`,
  ]);
  assert.equal(tnet4, [
    `-p tcp -m tcp --dport 8080 ${C2} -j DNAT --to-destination 10.70.0.2:80`,
    `-p tcp -m tcp --dport 8081 ${C2} -j DNAT --to-destination 10.70.0.2:81`,
    `-p tcp -m tcp --dport 32768 ${C2} -j DNAT --to-destination 10.70.0.2:90`,
  ]);
  assert.equal(v6(d, 'nat').chains['TNET-POSTROUTING'][0], `-s fd00:70::/64 ! -o br6 ${C2} -j MASQUERADE`);
});

test('from a spec: host.ip6tables false, or iptables false, asks for no IPv6 rule', () => {
  assert.equal(fromSpec(`host: { ip6tables: false }\n${SPEC}`).tables6 ?? [], []);
  assert.equal(fromSpec(`host: { iptables: false }\n${SPEC}`).tables6 ?? [], []);
  assert.is(fromSpec(SPEC).tables6!.length, 2);
});

test.run();
