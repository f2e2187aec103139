import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desiredFirewall } from '../../../src/desired/firewall/rules.js';
import type { FwTableDesired } from '../../../src/model/firewall.js';
import { nginx1, nginx2, quickstart } from './fw-fixtures.js';

const C = '-m comment --comment "tnet:q"';
/** As iptables-save prints it back (nf_tables and legacy alike). */
const MARTIAN = (br: string): string => `-d 127.0.0.0/8 -i ${br} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT ${C} -j DROP`;
const table = (d: ReturnType<typeof desiredFirewall>, name: string): FwTableDesired => d.tables.find((t) => t.table === name)!;

test('quickstart: filter chains, keep chain, INPUT and FORWARD jumps', () => {
  const f = table(desiredFirewall(quickstart()), 'filter');
  assert.equal(f.chains, {
    'TNET-USER': ['-m comment --comment tnet -j RETURN'],
    'TNET-ISOLATION-1': [`-i docker0 ! -o docker0 -m conntrack ! --ctstate DNAT ${C} -j TNET-ISOLATION-2`],
    'TNET-ISOLATION-2': [`-o docker0 ${C} -j DROP`],
    'TNET-FORWARD': [
      `-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED ${C} -j ACCEPT`,
      `-o docker0 ${C} -j TNET-PORTS-docker0`,
      `-i docker0 -o docker0 ${C} -j ACCEPT`,
      `-i docker0 ! -o docker0 ${C} -j ACCEPT`,
    ],
    // The accepts of the bridge's published ports, in the bridge's own chain.
    'TNET-PORTS-docker0': [`-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`],
    'TNET-INPUT': [MARTIAN('docker0')],
  });
  assert.equal(f.keepChains, ['TNET-USER']);
  assert.equal(f.jumps, [
    { from: 'INPUT', rule: '-m comment --comment tnet -j TNET-INPUT', position: 'first' },
    { from: 'FORWARD', rule: '-m comment --comment tnet -j TNET-USER', position: 'first' },
    { from: 'FORWARD', rule: '-m comment --comment tnet -j TNET-ISOLATION-1', position: 'first' },
    { from: 'FORWARD', rule: '-m comment --comment tnet -j TNET-FORWARD', position: 'first' },
  ]);
});

test('quickstart: nat DNAT, masquerade, hairpin and jumps', () => {
  const n = table(desiredFirewall(quickstart()), 'nat');
  assert.equal(n.chains, {
    // On every local address, 127.0.0.1 included (`curl localhost:8080` from the host, as with Docker).
    // TNET jumps to the chain of each bridge that publishes ports; the DNATs are there.
    TNET: [`${C} -j TNET-DNAT-docker0`],
    'TNET-DNAT-docker0': [`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination 172.17.0.2:80`],
    'TNET-POSTROUTING': [
      `-s 172.17.0.0/16 ! -o docker0 ${C} -j MASQUERADE`,
      `-o docker0 ${C} -j TNET-HAIRPIN-docker0`,
      `-s 127.0.0.0/8 -o docker0 ${C} -j MASQUERADE`,
    ],
    'TNET-HAIRPIN-docker0': [`-s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 ${C} -j MASQUERADE`],
  });
  assert.equal(n.jumps.map((j) => [j.from, j.rule, j.position]), [
    ['PREROUTING', '! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET', 'any'],
    ['OUTPUT', '-m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET', 'any'],
    ['POSTROUTING', '-m comment --comment tnet -j TNET-POSTROUTING', 'any'],
  ]);
});

test('quickstart: sysctls and hairpin ports', () => {
  const d = desiredFirewall(quickstart());
  assert.equal(d.spec, 'q');
  assert.equal(d.sysctls, { 'net.bridge.bridge-nf-call-iptables': '1', 'net.ipv4.conf.docker0.route_localnet': '1' });
  assert.equal(d.hairpinPorts, ['veth-n1']);
});

test('ipMasq off: no subnet masquerade, hairpin masquerade stays', () => {
  const n = table(desiredFirewall(quickstart({ ipMasq: false })), 'nat');
  assert.equal(n.chains['TNET-POSTROUTING'], [
    `-o docker0 ${C} -j TNET-HAIRPIN-docker0`,
    `-s 127.0.0.0/8 -o docker0 ${C} -j MASQUERADE`,
  ]);
  assert.equal(n.chains['TNET-HAIRPIN-docker0'], [`-s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 ${C} -j MASQUERADE`]);
});

test('host-bound, 127-bound, range, udp and sctp ports', () => {
  const c = {
    ...nginx1,
    ports: [
      { hostIp: '192.0.2.1', hostPort: 8080, containerPort: 80, proto: 'tcp' as const },
      { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 80, proto: 'tcp' as const },
      { hostIp: '0.0.0.0', hostPort: 9000, containerPort: 9000, proto: 'udp' as const },
      { hostIp: null, hostPort: 9001, containerPort: 9001, proto: 'udp' as const },
      { hostIp: null, hostPort: 5000, containerPort: 5000, proto: 'sctp' as const },
      { hostIp: '::', hostPort: 7000, containerPort: 7000, proto: 'tcp' as const },
    ],
  };
  const d = desiredFirewall(quickstart({ containers: [c] }));
  const n = table(d, 'nat');
  assert.equal(n.chains.TNET, [`${C} -j TNET-DNAT-docker0`]);
  assert.equal(n.chains['TNET-DNAT-docker0'], [
    `-d 192.0.2.1/32 -p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination 172.17.0.2:80`,
    `-d 127.0.0.1/32 -p tcp -m tcp --dport 8081 ${C} -j DNAT --to-destination 172.17.0.2:80`,
    `-p udp -m udp --dport 9000 ${C} -j DNAT --to-destination 172.17.0.2:9000`,
    `-p udp -m udp --dport 9001 ${C} -j DNAT --to-destination 172.17.0.2:9001`,
    `-p sctp -m sctp --dport 5000 ${C} -j DNAT --to-destination 172.17.0.2:5000`,
  ]);
  assert.equal(n.chains['TNET-POSTROUTING'], [
    `-s 172.17.0.0/16 ! -o docker0 ${C} -j MASQUERADE`,
    `-o docker0 ${C} -j TNET-HAIRPIN-docker0`,
    `-s 127.0.0.0/8 -o docker0 ${C} -j MASQUERADE`,
  ]);
  assert.equal(n.chains['TNET-HAIRPIN-docker0'], [
    `-s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 ${C} -j MASQUERADE`,
    `-s 172.17.0.2/32 -d 172.17.0.2/32 -p udp -m udp --dport 9000 ${C} -j MASQUERADE`,
    `-s 172.17.0.2/32 -d 172.17.0.2/32 -p udp -m udp --dport 9001 ${C} -j MASQUERADE`,
    `-s 172.17.0.2/32 -d 172.17.0.2/32 -p sctp -m sctp --dport 5000 ${C} -j MASQUERADE`,
  ]);
  assert.equal(d.sysctls['net.ipv4.conf.docker0.route_localnet'], '1');
  // Two host ports onto container port 80/tcp: one FORWARD accept.
  const accepts = table(d, 'filter').chains['TNET-PORTS-docker0'].filter((r) => r.includes('! -i docker0 -o docker0 -p'));
  assert.equal(accepts.length, 4);
});

test('icc off: DNAT accept before the DROP, link to a published port both ways', () => {
  const d = desiredFirewall(quickstart({ bridges: [{ ...quickstart().bridges[0], icc: false }] }));
  assert.equal(table(d, 'filter').chains['TNET-FORWARD'], [
    `-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED ${C} -j ACCEPT`,
    `-i docker0 -o docker0 -m conntrack --ctstate DNAT ${C} -j ACCEPT`,
    `-o docker0 ${C} -j TNET-PORTS-docker0`,
    `-s 172.17.0.3/32 -d 172.17.0.2/32 -i docker0 -o docker0 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`,
    `-s 172.17.0.2/32 -d 172.17.0.3/32 -i docker0 -o docker0 -p tcp -m tcp --sport 80 ${C} -j ACCEPT`,
    `-i docker0 -o docker0 ${C} -j DROP`,
    `-i docker0 ! -o docker0 ${C} -j ACCEPT`,
  ]);
});

test('icc off: link to a container with expose ports, and to one with none', () => {
  const a = { ...nginx1, ports: [], expose: [{ port: 53, proto: 'udp' as const }] };
  const b = { ...nginx2, name: 'b', ip: '172.17.0.4', links: ['nginx-1', 'nginx-2'] };
  const d = desiredFirewall(quickstart({ bridges: [{ ...quickstart().bridges[0], icc: false }], containers: [a, b, { ...nginx2, links: [] }] }));
  const links = table(d, 'filter').chains['TNET-FORWARD'].filter((r) => r.startsWith('-s '));
  assert.equal(links, [
    `-s 172.17.0.4/32 -d 172.17.0.2/32 -i docker0 -o docker0 -p udp -m udp --dport 53 ${C} -j ACCEPT`,
    `-s 172.17.0.2/32 -d 172.17.0.4/32 -i docker0 -o docker0 -p udp -m udp --sport 53 ${C} -j ACCEPT`,
    `-s 172.17.0.4/32 -d 172.17.0.3/32 -i docker0 -o docker0 ${C} -j ACCEPT`,
  ]);
});

test('internal bridge: isolation drops, no masquerade, no published port, no way out', () => {
  const d = desiredFirewall(quickstart({ bridges: [{ ...quickstart().bridges[0], internal: true }] }));
  const f = table(d, 'filter');
  assert.equal(f.chains['TNET-ISOLATION-1'], [
    `! -s 172.17.0.0/16 -o docker0 ${C} -j DROP`,
    `! -d 172.17.0.0/16 -i docker0 ${C} -j DROP`,
  ]);
  assert.equal(f.chains['TNET-FORWARD'], [
    `-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED ${C} -j ACCEPT`,
    `-i docker0 -o docker0 ${C} -j ACCEPT`,
  ]);
  assert.equal(table(d, 'nat').chains, { TNET: [], 'TNET-POSTROUTING': [] });
  assert.equal(d.hairpinPorts, []);
});

test('per-port rules in chains of their bridge: one jump per bridge, each chain only its containers, in order', () => {
  const br1 = { name: 'br1', subnet: '10.1.0.0/24', gateway: '10.1.0.1', icc: true, internal: false, external: false, dns: false };
  const br2 = { name: 'br2', subnet: '10.2.0.0/24', gateway: '10.2.0.1', icc: true, internal: false, external: false, dns: false };
  const port = (hostPort: number) => ({ hostIp: null, hostPort, containerPort: 80, proto: 'tcp' as const });
  const containers = [
    { ...nginx1, name: 'a', bridge: 'br1', ip: '10.1.0.2', hostIf: 'veth-a', ports: [port(8001)] },
    { ...nginx1, name: 'b', bridge: 'br1', ip: '10.1.0.3', hostIf: 'veth-b', ports: [port(8002)] },
    { ...nginx1, name: 'c', bridge: 'br2', ip: '10.2.0.2', hostIf: 'veth-c', ports: [] },
    { ...nginx1, name: 'd', bridge: 'docker0', ip: '172.17.0.2', hostIf: 'veth-d', ports: [port(8003)] },
  ];
  const d = desiredFirewall(quickstart({ bridges: [quickstart().bridges[0], br2, br1], containers }));
  const n = table(d, 'nat');
  // br2 publishes nothing: no chain, no jump.
  assert.equal(n.chains.TNET, [`${C} -j TNET-DNAT-br1`, `${C} -j TNET-DNAT-docker0`]);
  assert.equal(n.chains['TNET-DNAT-br1'], [
    `-p tcp -m tcp --dport 8001 ${C} -j DNAT --to-destination 10.1.0.2:80`,
    `-p tcp -m tcp --dport 8002 ${C} -j DNAT --to-destination 10.1.0.3:80`,
  ]);
  assert.equal(n.chains['TNET-DNAT-docker0'], [`-p tcp -m tcp --dport 8003 ${C} -j DNAT --to-destination 172.17.0.2:80`]);
  assert.equal(Object.keys(n.chains).sort(), ['TNET', 'TNET-DNAT-br1', 'TNET-DNAT-docker0', 'TNET-HAIRPIN-br1', 'TNET-HAIRPIN-docker0', 'TNET-POSTROUTING']);
  assert.equal(n.chains['TNET-HAIRPIN-br1'].length, 2);
  const f = table(d, 'filter');
  assert.equal(f.chains['TNET-FORWARD'].filter((r) => r.includes('-j TNET-PORTS-')), [`-o br1 ${C} -j TNET-PORTS-br1`, `-o docker0 ${C} -j TNET-PORTS-docker0`]);
  assert.equal(f.chains['TNET-PORTS-br1'], [
    `-d 10.1.0.2/32 ! -i br1 -o br1 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`,
    `-d 10.1.0.3/32 ! -i br1 -o br1 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`,
  ]);
  assert.not.ok('TNET-PORTS-br2' in f.chains);
  // The longest bridge name still gives a chain name iptables takes (28 characters at most).
  assert.ok('TNET-HAIRPIN-abcdefghijklmno'.length <= 28);
});

test('two bridges: each isolated from the other, sorted by name', () => {
  const br1 = { name: 'br1', subnet: '10.1.0.0/24', gateway: '10.1.0.1', icc: true, internal: false, external: false, dns: false };
  const d = desiredFirewall(quickstart({ bridges: [quickstart().bridges[0], br1] }));
  assert.equal(table(d, 'filter').chains['TNET-ISOLATION-2'], [`-o br1 ${C} -j DROP`, `-o docker0 ${C} -j DROP`]);
});

test('route_localnet: on with a port on loopback, off on a bridge tnet made without one, untouched on an external one', () => {
  const bound = { ...nginx1, ports: [{ hostIp: '192.0.2.1', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }] };
  const loop = { ...nginx1, ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }] };
  const key = 'net.ipv4.conf.docker0.route_localnet';
  const localnet = (over: Parameters<typeof quickstart>[0]) => desiredFirewall(quickstart(over)).sysctls[key];
  assert.is(localnet({}), '1', 'every address: 127.0.0.1 included');
  assert.is(localnet({ containers: [loop] }), '1');
  assert.is(localnet({ containers: [bound] }), '0', 'bound to another address: the last loopback port is gone');
  assert.is(localnet({ containers: [] }), '0');
  assert.is(localnet({ containers: [{ ...nginx1, ports: [{ ...nginx1.ports[0], hostIp: '::' }] }] }), '0', 'IPv6 only');
  assert.is(localnet({ bridges: [{ ...quickstart().bridges[0], internal: true }] }), '0', 'internal: nothing published');
  const external = [{ ...quickstart().bridges[0], external: true }];
  assert.is(localnet({ bridges: external }), '1', 'tnet turns it on on an external bridge too');
  assert.is(localnet({ bridges: external, containers: [bound] }), undefined, "but never off: it may be another tool's");
});

test('martian filter: one DROP per bridge, published or not, internal and external alike', () => {
  const br1 = { name: 'br1', subnet: '10.1.0.0/24', gateway: '10.1.0.1', icc: true, internal: true, external: false, dns: false };
  const br2 = { name: 'br2', subnet: '10.2.0.0/24', gateway: '10.2.0.1', icc: false, internal: false, external: true, dns: false };
  const d = desiredFirewall(quickstart({ bridges: [quickstart().bridges[0], br2, br1] }));
  assert.equal(table(d, 'filter').chains['TNET-INPUT'], [MARTIAN('br1'), MARTIAN('br2'), MARTIAN('docker0')]);
  assert.equal(d.sysctls, {
    'net.bridge.bridge-nf-call-iptables': '1',
    'net.ipv4.conf.br1.route_localnet': '0',
    'net.ipv4.conf.docker0.route_localnet': '1',
  });
});

test('no bridge: no table at all', () => {
  const d = desiredFirewall(quickstart({ bridges: [], containers: [] }));
  assert.equal(d.tables, []);
  assert.equal(d.sysctls, {});
});

test.run();
