// Pure parts of issue 6: networks per container, overlays placed per host, validation, desired state, the plan.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TnetError } from '../../src/model/errors.js';
import type { Spec } from '../../src/model/spec.js';
import { allocate } from '../../src/desired/allocate.js';
import { desire } from '../../src/desired/desired.js';
import { DesireCache } from '../../src/desired/cache.js';
import { parseSources } from '../../src/spec/load.js';
import { parseUplinkRecord, uplinkRecord } from '../../src/ownership/marks.js';
import { plan } from '../../src/plan/plan.js';
import { firewallInput } from '../../src/desired/firewall-input.js';
import { parseFdb } from '../../src/observe/fdb.js';
import { ipLines } from '../../src/actuate/link-ops.js';
import { fdbLines } from '../../src/actuate/bridge-batch.js';
import type { Action } from '../../src/model/action.js';
import type { DesiredState } from '../../src/model/desired.js';
import { desired as desiredFixture, emptyObserved, link } from '../helpers/fixtures.js';

const OVERLAY = `version: 1
name: n
overlays:
  ov1:
    vni: 4242
    subnet: 10.240.0.0/16
    hosts:
      hostA: {underlay: 198.18.1.1, ipRange: 10.240.1.0/24}
      hostB: {underlay: 198.18.1.2, ipRange: 10.240.2.0/24}
      hostC: {underlay: 198.18.1.3, ipRange: 10.240.3.0/24}
`;

function load(yaml: string, host = 'hostA'): { ok: true; spec: Spec } | { ok: false; errors: TnetError[] } {
  const r = parseSources([{ file: 'n.yaml', text: yaml }], 'n', host);
  return r.ok ? { ok: true, spec: r.value } : { ok: false, errors: r.errors };
}

function spec(yaml: string, host = 'hostA'): Spec {
  const r = load(yaml, host);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.spec;
}

function messages(yaml: string, host = 'hostA'): string[] {
  const r = load(yaml, host);
  assert.not.ok(r.ok, 'should fail');
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

function desiredOf(s: Spec, held: Record<string, string> = {}): DesiredState {
  const d = desire({ spec: s, held: { ips: held, hostPorts: {} }, hostResolv: '', firewall: false });
  if (!d.ok) throw new Error(d.errors[0].message);
  return d.value;
}

// ---- placement

test('placement: an overlay becomes this host\'s bridge; containers with host: only there, the others everywhere', () => {
  const yaml = `${OVERLAY}containers:\n  a1: {host: hostA, bridge: ov1}\n  b1: {host: hostB, bridge: ov1}\n  all: {bridge: ov1}\n`;
  const a = spec(yaml, 'hostA');
  assert.equal(Object.keys(a.containers), ['a1', 'all']);
  assert.equal(a.bridges.ov1, {
    name: 'ov1', subnet: '10.240.0.0/16', gateway: '10.240.1.1', mtu: 1450, ipRange: '10.240.1.0/24', subnet6: null, gateway6: null, ipRange6: null, icc: true, internal: false,
    external: false, uplink: null, overlay: { vni: 4242, local: '198.18.1.1', peers: ['198.18.1.2', '198.18.1.3'] },
  });
  const b = spec(yaml, 'hostB');
  assert.equal(Object.keys(b.containers), ['b1', 'all']);
  assert.is(b.bridges.ov1.gateway, '10.240.2.1');
  assert.equal(b.bridges.ov1.overlay!.peers, ['198.18.1.1', '198.18.1.3']);
  // addresses come from this host's range, after its bridge's own
  const alloc = allocate(b, { ips: {}, hostPorts: {} });
  assert.ok(alloc.ok);
  if (alloc.ok) assert.equal(alloc.value.ips, { b1: '10.240.2.2', all: '10.240.2.3' });
});

test('placement: a spec without overlays or host: is its own placement, whatever the host', () => {
  const s = spec('version: 1\ncontainers:\n  a: {}\n', 'anything');
  assert.equal(Object.keys(s.containers), ['a']);
  assert.equal(Object.keys(s.bridges), ['docker0']);
});

test('placement: --host in no overlay while a container on every host needs it', () => {
  const [m] = messages(`${OVERLAY}containers:\n  all: {bridge: ov1}\n`, 'hostQ');
  assert.match(m, /containers\.all: this host is 'hostQ', which overlay ov1 does not list/);
  // nothing needs it: fine, the host just has no part of the overlay
  const s = spec(`${OVERLAY}containers:\n  a1: {host: hostA, bridge: ov1}\n`, 'hostQ');
  assert.equal(Object.keys(s.containers), []);
  assert.equal(Object.keys(s.bridges), []);
});

test('placement: a bridge holds at most 1023 ports on a host, counted after placement, with its uplink and VXLAN', () => {
  const many = (n: number, extra = '') => Array.from({ length: n }, (_, i) => `  c${i}: {${extra}}`).join('\n');
  assert.ok(load(`version: 1\nbridges:\n  big: {subnet: 10.8.0.0/16}\ncontainers:\n${many(1023)}\n`).ok, '1023 fit');
  const [m] = messages(`version: 1\nbridges:\n  big: {subnet: 10.8.0.0/16, uplink: eth9}\ncontainers:\n${many(1023)}\n`);
  assert.match(m, /^bridges\.big: bridge big would have 1024 ports on this host; a Linux bridge holds at most 1023/);
  // 2000 containers split across two hosts of an overlay: 1000 each, plus the VXLAN port
  const split = Array.from({ length: 2000 }, (_, i) => `  c${i}: {host: host${i % 2 ? 'A' : 'B'}, bridge: ov1}`).join('\n');
  const ov = OVERLAY.replace('10.240.1.0/24', '10.240.16.0/20').replace('10.240.2.0/24', '10.240.32.0/20');
  assert.ok(load(`${ov}containers:\n${split}\n`).ok, 'each host holds its own share');
});

// ---- validation

test('validation: a host: missing from the overlay\'s hosts', () => {
  assert.equal(messages(`${OVERLAY}containers:\n  z: {host: hostZ, bridge: ov1}\n`), [
    'containers.z.host: host hostZ is not one of the hosts of overlay ov1 (hostA, hostB, hostC)',
  ]);
  assert.match(messages(`${OVERLAY}containers:\n  z: {host: hostZ, network: none}\n`)[0], /host hostZ is not a host of any overlay \(hostA, hostB, hostC\)/);
  // with no bridge declared, the one overlay is where containers go by default
  assert.equal(spec(`${OVERLAY}containers:\n  a: {host: hostA}\n`).containers.a.network, { kind: 'bridge', bridge: 'ov1' });
});

test('validation: overlapping ipRanges, an ipRange outside the subnet, a VNI used twice, an underlay twice', () => {
  assert.equal(messages(OVERLAY.replace('10.240.3.0/24', '10.240.2.128/25')), [
    'overlays.ov1.hosts.hostC.ipRange: ipRange 10.240.2.128/25 of host hostC overlaps 10.240.2.0/24 of host hostB',
  ]);
  assert.equal(messages(OVERLAY.replace('10.240.3.0/24', '10.9.3.0/24')), [
    'overlays.ov1.hosts.hostC.ipRange: ipRange 10.9.3.0/24 of host hostC is not inside subnet 10.240.0.0/16 of overlay ov1',
  ]);
  const second = `  ov2:\n    vni: 4242\n    subnet: 10.241.0.0/16\n    hosts:\n      hostA: {underlay: 198.18.1.1, ipRange: 10.241.1.0/24}\n`;
  assert.equal(messages(OVERLAY + second), ['overlays.ov2.vni: vni 4242 is also the VNI of overlay ov1']);
  assert.equal(messages(OVERLAY.replace('198.18.1.3', '198.18.1.2')), ['overlays.ov1.hosts.hostC.underlay: underlay 198.18.1.2 is also the address of host hostB']);
});

test('validation: overlay names, subnets, fixed addresses', () => {
  assert.match(messages(OVERLAY.replace('ov1:', 'overlay-long1:'))[0], /VXLAN device vx-overlay-long1 must be 1 to 15 bytes/);
  assert.match(messages(`${OVERLAY}bridges:\n  ov1: {subnet: 10.9.0.0/24}\n`)[0], /overlay ov1 has the name of a bridge/);
  assert.match(messages(`${OVERLAY}bridges:\n  br0: {subnet: 10.240.5.0/24}\n`)[0], /subnet 10\.240\.0\.0\/16 of overlay ov1 overlaps 10\.240\.5\.0\/24 of bridge br0/);
  assert.match(messages(`${OVERLAY}containers:\n  all: {bridge: ov1, ip: 10.240.1.9}\n`)[0], /on every host of overlay ov1 \(no host:\), so it cannot have a fixed ip/);
  assert.match(messages(`${OVERLAY}containers:\n  b: {host: hostB, bridge: ov1, ip: 10.240.1.9}\n`)[0], /ip 10\.240\.1\.9 is outside ipRange 10\.240\.2\.0\/24 of host hostB/);
  assert.match(messages(`${OVERLAY}containers:\n  b: {host: hostB, bridge: ov1, ip: 10.240.2.1}\n`)[0], /the address of host hostB's bridge/);
  spec(`${OVERLAY}containers:\n  b: {host: hostB, bridge: ov1, ip: 10.240.2.9}\n`, 'hostB');
});

test('validation: networks: against bridge:, ip:, gateway:, unknown networks and aliases', () => {
  const base = 'bridges:\n  br1: {subnet: 10.1.0.0/24}\n  br2: {subnet: 10.2.0.0/24}\ncontainers:\n  m:\n';
  assert.match(messages(`version: 1\n${base}    bridge: br1\n    networks: {br2: {}}\n`)[0], /conflicting options: bridge: and networks:/);
  assert.match(messages(`version: 1\n${base}    ip: 10.1.0.5\n    networks: {br1: {}}\n`)[0], /with networks:, give it per network/);
  assert.match(messages(`version: 1\n${base}    networks: {br1: {}}\n    gateway: br3\n`)[0], /gateway: br3 is not one of the container's networks \(br1\)/);
  assert.match(messages(`version: 1\n${base}    gateway: br1\n`)[0], /gateway: picks one of several networks: it needs networks:/);
  assert.equal(messages(`version: 1\n${base}    networks: {br1: {}, br9: {}}\n`), [
    'containers.m.networks.br9: container m uses network br9, which the spec does not declare',
  ]);
  assert.equal(messages(`version: 1\n${base}    networks: {br1: {}, br2: {ip: 10.1.0.5}}\n`), [
    'containers.m.networks.br2.ip: ip 10.1.0.5 is outside subnet 10.2.0.0/24 of bridge br2',
  ]);
  assert.equal(messages(`version: 1\n${base}    networks: {br1: {aliases: ["no spaces"]}, br2: {}}\n`), [
    'containers.m.networks.br1.aliases[0]: alias "no spaces" is not a valid host name',
  ]);
  assert.match(messages(`version: 1\n${base}    networks: {br1: {ip: 10.1.0.5}}\n  n:\n    networks: {br1: {ip: 10.1.0.5}}\n`)[0], /ip 10\.1\.0\.5 is also the address of m on bridge br1/);
});

test('validation: the same published port on containers of different hosts is no clash; on one host it is', () => {
  const two = (hostB: string) => `${OVERLAY}containers:\n  a: {host: hostA, ports: ["8080:80"]}\n  b: {host: ${hostB}, ports: ["8080:80"]}\n`;
  assert.ok(load(two('hostB')).ok);
  assert.ok(load(two('hostB'), 'hostB').ok);
  assert.equal(messages(two('hostA')).length, 1);
  const everywhere = `${OVERLAY}containers:\n  a: {host: hostA, ports: ["8080:80"]}\n  b: {ports: ["8080:80"]}\n`;
  assert.equal(messages(everywhere).length, 1, 'a container without host: runs on every host, hostA included');
});

test('validation: uplinks', () => {
  assert.match(messages('version: 1\nbridges:\n  br0: {subnet: 10.1.0.0/24, external: true, uplink: eth1}\n')[0], /external bridge br0 cannot take an uplink/);
  assert.match(messages(`${OVERLAY}bridges:\n  br0: {subnet: 10.1.0.0/24, uplink: eth1}\ncontainers:\n  a: {host: hostA, bridge: br0}\n`)[0], /is placed on host hostA and needs an explicit ip/);
});

// ---- desired state

const MULTI = `version: 1
name: n
bridges:
  br1: {subnet: 10.1.0.0/24}
  br2: {subnet: 10.2.0.0/24, mtu: 1400}
containers:
  m:
    networks:
      br1: {}
      br2: {ip: 10.2.0.9, mac: "02:00:00:00:00:09", aliases: [em]}
    gateway: br2
    ports: ["8080:80"]
  l: {bridge: br2, links: ["m:mm"]}
  k: {bridge: br1}
`;

test('several networks: eth0, eth1 in order; default route on the gateway network; marks and names per network', () => {
  const d = desiredOf(spec(MULTI));
  const m = d.endpoints.filter((e) => e.container === 'm');
  assert.equal(m.map((e) => [e.ifname, e.bridge, e.address, e.mac, e.mtu, e.defaultRoute, e.mark]), [
    ['eth0', 'br1', '10.1.0.2/24', '02:42:0a:01:00:02', 1500, false, 'tnet:n/veth/m'],
    ['eth1', 'br2', '10.2.0.9/24', '02:00:00:00:00:09', 1400, true, 'tnet:n/veth/m/br2'],
  ]);
  assert.is.not(m[0].hostIf, m[1].hostIf);
  // links point at m's address on the network they share; aliases are tnet's DNS server's, on that network only
  const hosts = d.files.find((f) => f.path === '/etc/netns/l/hosts')!.content;
  assert.match(hosts, /^10\.2\.0\.9\tmm m$/m);
  assert.not.match(hosts, /\tem$/m, 'no alias line: on a network with DNS the server answers for aliases');
  const records = JSON.parse(d.dns!.records);
  const mine = records.containers.find((c: { name: string }) => c.name === 'm');
  assert.equal(mine.endpoints, [
    { network: 'br1', ip: '10.1.0.2', names: ['m'] },
    { network: 'br2', ip: '10.2.0.9', names: ['m', 'em'] },
  ]);
});

test('several networks: the firewall sees one endpoint per bridge, ports published on the gateway network only', () => {
  const s = spec(MULTI);
  const alloc = allocate(s, { ips: {}, hostPorts: {} });
  assert.ok(alloc.ok);
  if (!alloc.ok) return;
  const fw = firewallInput(s, alloc.value, new DesireCache()).containers.filter((c) => c.name === 'm');
  assert.equal(fw.map((c) => [c.bridge, c.ip, c.ports.length]), [['br1', '10.1.0.2', 0], ['br2', '10.2.0.9', 1]]);
});

test('several networks: addresses held per endpoint key stay', () => {
  const s = spec(MULTI);
  const r = allocate(s, { ips: { 'm': '10.1.0.7' }, hostPorts: {} });
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.ips, { m: '10.1.0.7', 'm/br2': '10.2.0.9', l: '10.2.0.2', k: '10.1.0.2' });
});

test('overlay desired state: an owned bridge and its VXLAN device with one peer per other host', () => {
  const d = desiredOf(spec(`${OVERLAY}containers:\n  a1: {host: hostA, bridge: ov1}\n`));
  assert.equal(d.bridges.map((b) => [b.name, b.address, b.mtu, b.mac]), [['ov1', '10.240.1.1/16', 1450, '02:42:0a:f0:01:01']]);
  assert.equal(d.vxlans, [{
    name: 'vx-ov1', bridge: 'ov1', vni: 4242, local: '198.18.1.1', port: 4789, mtu: 1450, mark: 'tnet:n/vxlan/ov1', peers: ['198.18.1.2', '198.18.1.3'],
  }]);
  assert.is(d.endpoints[0].mtu, 1450);
});

// ---- the plan

const vx = desiredFixture({
  vxlans: [{ name: 'vx-ov1', bridge: 'ov1', vni: 42, local: '198.18.1.1', port: 4789, mtu: 1450, mark: 'tnet:q/vxlan/ov1', peers: ['198.18.1.2', '198.18.1.3'] }],
});
const vxLink = (over = {}) => link({
  name: 'vx-ov1', kind: 'vxlan', mtu: 1450, master: 'ov1', alias: 'tnet:q/vxlan/ov1', vxlan: { vni: 42, local: '198.18.1.1', port: 4789, learning: false }, ...over,
});
const ops = (r: ReturnType<typeof plan>) => (r.ok ? r.value : []).map((a: Action) => ('dst' in a ? `${a.op} ${a.dst}` : a.op));

test('plan: a VXLAN device created on its bridge, with its fdb entries', () => {
  assert.equal(ops(plan(vx, emptyObserved())), ['vxlan-add', 'link-set', 'fdb-add 198.18.1.2', 'fdb-add 198.18.1.3']);
});

test('plan: fdb entries of a host dropped from the overlay are deleted, missing ones appended; in sync: nothing', () => {
  const fdb = [{ dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '198.18.1.2' }, { dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '198.18.1.9' }];
  assert.equal(ops(plan(vx, emptyObserved({ links: [vxLink()], fdb }))), ['fdb-del 198.18.1.9', 'fdb-add 198.18.1.3']);
  const all = [{ dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '198.18.1.2' }, { dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '198.18.1.3' }];
  assert.equal(ops(plan(vx, emptyObserved({ links: [vxLink()], fdb: all }))), []);
});

test('plan: a VXLAN device with another VNI is recreated; a foreign one in the way is refused', () => {
  assert.equal(ops(plan(vx, emptyObserved({ links: [vxLink({ vxlan: { vni: 7, local: '198.18.1.1', port: 4789, learning: false } })] }))).slice(0, 2), ['link-del', 'vxlan-add']);
  const r = plan(vx, emptyObserved({ links: [vxLink({ alias: null })] }));
  assert.not.ok(r.ok);
  if (!r.ok) assert.match(r.errors[0].message, /interface vx-ov1 already exists and tnet spec 'q' did not create it/);
});

const upBridge = { name: 'br0', owned: true, mark: 'tnet:q/bridge/br0', mac: null, mtu: 1500, address: null, subnet: '198.18.1.0/24', uplink: 'eth1' };
const eth1 = (over = {}) => link({ name: 'eth1', kind: 'veth', mac: '52:54:00:00:00:01', addrs: ['198.18.1.1/24'], ...over });
const defaultVia = (dev: string) => [{ dst: 'default', gateway: '198.18.1.254', dev, protocol: null }];

test('plan: an uplink is enslaved with its address and default route, the bridge taking its MAC', () => {
  const r = plan(desiredFixture({ bridges: [upBridge] }), emptyObserved({ links: [eth1()], routes: defaultVia('eth1') }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value[0], { op: 'bridge-add', name: 'br0', mac: '52:54:00:00:00:01', mtu: 1500, mark: 'tnet:q/bridge/br0' });
  const attach = r.value.find((a) => a.op === 'uplink-attach')!;
  assert.equal(attach, {
    op: 'uplink-attach', ns: null, bridge: 'br0', uplink: 'eth1', take: ['198.18.1.1/24'], addrs: ['198.18.1.1/24'], via: '198.18.1.254',
    record: 'tnet:q/uplink/br0@198.18.1.1/24@198.18.1.254',
  });
  // one batch, in an order that leaves the host unreachable for the shortest time, the record first
  assert.equal(ipLines(attach), [
    'link set dev eth1 alias tnet:q/uplink/br0@198.18.1.1/24@198.18.1.254',
    'addr del 198.18.1.1/24 dev eth1',
    'link set dev eth1 master br0 up',
    'addr replace 198.18.1.1/24 brd + dev br0',
    'route replace default via 198.18.1.254 dev br0',
  ]);
});

const attached = () => emptyObserved({
  links: [
    link({ name: 'br0', kind: 'bridge', mac: '52:54:00:00:00:01', alias: 'tnet:q/bridge/br0', addrs: ['198.18.1.1/24'] }),
    eth1({ master: 'br0', addrs: [], alias: 'tnet:q/uplink/br0@198.18.1.1/24@198.18.1.254' }),
  ],
  routes: defaultVia('br0'),
});

test('plan: an attached uplink in sync needs nothing; one released by hand is attached again from its record', () => {
  assert.equal(ops(plan(desiredFixture({ bridges: [upBridge] }), attached())), []);
  const o = attached();
  o.links[1] = { ...o.links[1], master: null };
  assert.equal(ops(plan(desiredFixture({ bridges: [upBridge] }), o)), ['uplink-attach']);
});

test('plan: prune and destroy give the uplink back its address and route; the bridge goes with it, the uplink stays', () => {
  const r = plan(desiredFixture(), attached());
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value, [{ op: 'uplink-detach', ns: null, bridge: 'br0', uplink: 'eth1', drop: [], addrs: ['198.18.1.1/24'], via: '198.18.1.254', deleteBridge: true }]);
  assert.equal(ipLines(r.value[0]), [
    'link del dev br0',
    'addr replace 198.18.1.1/24 brd + dev eth1',
    'route replace default via 198.18.1.254 dev eth1',
    'link set dev eth1 alias ""',
  ]);
  // the bridge stays when only its uplink is dropped from the spec
  const kept = plan(desiredFixture({ bridges: [{ ...upBridge, uplink: null, mac: '02:42:c6:12:01:fe', address: '198.18.1.254/24' }] }), attached());
  assert.ok(kept.ok);
  if (kept.ok) assert.equal(ipLines(kept.value.find((a) => a.op === 'uplink-detach')!).slice(0, 2), ['link set dev eth1 nomaster', 'addr del 198.18.1.1/24 dev br0']);
});

test('plan: a missing uplink or one that is a port of another bridge is refused', () => {
  const missing = plan(desiredFixture({ bridges: [upBridge] }), emptyObserved());
  assert.not.ok(missing.ok);
  if (!missing.ok) assert.match(missing.errors[0].message, /uplink eth1 of bridge br0 does not exist on this host/);
  const taken = plan(desiredFixture({ bridges: [upBridge] }), emptyObserved({ links: [eth1({ master: 'other' })] }));
  assert.not.ok(taken.ok);
  if (!taken.ok) assert.match(taken.errors[0].message, /uplink eth1 is already a port of other/);
});

test('plan: a default route moving to another interface is one route replace, with no delete behind it', () => {
  const s = spec(MULTI);
  const d = desiredOf(s);
  const m = d.endpoints.filter((e) => e.container === 'm');
  // m's namespace as it was with the default route on eth0 (br1)
  const o = emptyObserved({
    links: m.map((e, i) => link({ name: e.hostIf, kind: 'veth', ifindex: 10 + i, peerIfindex: 2 + i, master: e.bridge, mtu: e.mtu, alias: e.seal })),
    netns: {
      m: {
        name: 'm', id: '4:1', read: true, mark: 'tnet:n/netns/m',
        links: [link({ name: 'lo' }), ...m.map((e, i) => link({ name: e.ifname, kind: 'veth', ifindex: 2 + i, peerIfindex: 10 + i, mac: e.mac, mtu: e.mtu, addrs: [e.address] }))],
        routes: [{ dst: 'default', gateway: '10.1.0.1', dev: 'eth0', protocol: null }],
      },
    },
  });
  const only = { ...d, endpoints: m, netns: d.netns.filter((n) => n.name === 'm'), files: [], fileDirs: [] };
  const acts = plan(only, o);
  assert.ok(acts.ok);
  if (acts.ok) assert.equal(acts.value.filter((a) => a.op.startsWith('route')), [{ op: 'route-replace', ns: 'm', dst: 'default', via: '10.2.0.1', dev: 'eth1' }]);
});

// ---- marks, observation, rendering

test('uplink record: round trip, and none for other aliases', () => {
  const r = { spec: 'q', bridge: 'br0', addrs: ['198.18.1.1/24', '10.0.0.5/8'], via: null };
  assert.equal(parseUplinkRecord(uplinkRecord(r)), r);
  assert.is(parseUplinkRecord('tnet:q/veth/a@10.0.0.2/24@netns@12345678'), null);
  assert.is(parseUplinkRecord(null), null);
});

test('fdb: only entries with an underlay destination; rendered for bridge -batch', () => {
  const json = '[{"mac":"33:33:00:00:00:01","ifname":"veth1","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","ifname":"vx-ov1","dst":"198.18.1.2","flags":["self"],"state":"permanent"}]\n';
  assert.equal(parseFdb(json), [{ dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '198.18.1.2' }]);
  assert.equal(fdbLines({ op: 'fdb-add', dev: 'vx-ov1', dst: '198.18.1.2' }), ['fdb append 00:00:00:00:00:00 dev vx-ov1 dst 198.18.1.2']);
  assert.equal(fdbLines({ op: 'fdb-del', dev: 'vx-ov1', dst: '198.18.1.2' }), ['fdb del 00:00:00:00:00:00 dev vx-ov1 dst 198.18.1.2']);
  assert.equal(ipLines({ op: 'vxlan-add', ns: null, name: 'vx-ov1', vni: 42, local: '198.18.1.1', port: 4789, mtu: 1450, mark: 'tnet:q/vxlan/ov1' }), [
    'link add name vx-ov1 mtu 1450 type vxlan id 42 local 198.18.1.1 dstport 4789 nolearning',
    'link set dev vx-ov1 alias tnet:q/vxlan/ov1',
  ]);
});

test.run();
