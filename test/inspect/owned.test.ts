// The inspect view without a spec: what tnet owns on the host, of every spec, found by marks alone.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ownedObjects } from '../../src/inspect/owned.js';
import type { BridgeView, ContainerView, InspectObject, OverlayView } from '../../src/inspect/view.js';
import { emptyObserved, link } from '../helpers/fixtures.js';
import { converged, desiredOf, spec } from './fixture.js';

const d = desiredOf(spec());
const find = <T extends InspectObject>(all: InspectObject[], name: string) => all.find((o) => o.name === name) as T;

test('every marked bridge and namespace, by name, each with its spec and no judgement', () => {
  const all = ownedObjects(converged(d));
  assert.equal(all.map((o) => `${o.kind} ${o.name} ${o.spec} ${o.state}`), ['bridge br6 demo owned', 'container db demo owned', 'container side demo owned', 'container web demo owned']);
  const web = find<ContainerView>(all, 'web');
  assert.equal(web.networks, [{
    network: 'br6', interface: 'eth0', ipv4: '10.60.0.2/24', ipv6: 'fd00:60::2/64', gateway: '10.60.0.1', gateway6: 'fd00:60::1',
    mac: '02:42:0a:3c:00:02', hostVeth: d.endpoints[0].hostIf, aliases: null,
  }]);
  assert.equal(web.ports.map((p) => `${p.containerPort}/${p.proto} ${p.hostIp}:${p.hostPort} ${p.chosen}`), [
    '80/tcp 0.0.0.0:8080 null', '80/tcp 0.0.0.0:32768 null', '80/tcp :::8080 null', '80/tcp :::32768 null',
    '90/tcp 0.0.0.0:8000 null', '90/tcp :::8000 null', '91/udp 127.0.0.1:32768 null',
  ], 'what the rules of both families hold; whether tnet chose them only the spec says');
  assert.equal([web.hostname, web.links], [null, null]);
  assert.equal(web.dns?.nameservers, ['10.60.0.1'], 'tnet\'s DNS server on the network\'s gateway');
  assert.is(find<ContainerView>(all, 'side').mode, 'container:web');
  assert.equal(find<ContainerView>(all, 'side').ports, []);
  const br = find<BridgeView>(all, 'br6');
  assert.equal([br.subnet, br.gateway, br.subnet6, br.gateway6, br.icc, br.internal], ['10.60.0.0/24', '10.60.0.1', 'fd00:60::/64', 'fd00:60::1', null, null]);
  assert.equal(br.containers.map((m) => m.name), ['db', 'web']);
});

test('rules of another spec to the same address are not this container\'s ports', () => {
  const o = converged(d);
  const nat = o.firewall!.tables.find((t) => t.table === 'nat')!;
  const chains = Object.fromEntries(Object.entries(nat.chains).map(([n, c]) => [n, { ...c, rules: c.rules.map((r) => r.replace('"tnet:demo"', '"tnet:other"')) }]));
  assert.ok(Object.values(chains).some((c) => c.rules.some((r) => r.includes('"tnet:other" -j DNAT'))));
  const all = ownedObjects({ ...o, firewall: { ...o.firewall!, tables6: [], tables: [{ ...nat, chains }] } });
  assert.equal(find<ContainerView>(all, 'web').ports, []);
});

test('unmarked links and namespaces are not tnet\'s: nothing shown', () => {
  const o = emptyObserved({
    links: [link({ name: 'docker0', kind: 'bridge', addrs: ['172.17.0.1/16'] }), link({ name: 'veth0', kind: 'veth', master: 'docker0' })],
    netns: { x: { name: 'x', id: '4:1', read: true, mark: null, links: [], routes: [] } },
  });
  assert.equal(ownedObjects(o), []);
});

test('a bridge with a VXLAN device of its spec is an overlay: VNI, local address and peers from the kernel', () => {
  const o = emptyObserved({
    links: [
      link({ name: 'ov1', kind: 'bridge', alias: 'tnet:n/bridge/ov1', addrs: ['10.70.0.1/25'], mtu: 1450 }),
      link({ name: 'vx-ov1', kind: 'vxlan', alias: 'tnet:n/vxlan/ov1', master: 'ov1', vxlan: { vni: 42, local: '192.0.2.1', port: 4789, learning: false } }),
    ],
    fdb: [{ dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '192.0.2.3' }, { dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '192.0.2.2' }, { dev: 'other', mac: '00:00:00:00:00:00', dst: '192.0.2.9' }],
  });
  const [ov] = ownedObjects(o) as OverlayView[];
  assert.equal([ov.kind, ov.name, ov.vni, ov.device, ov.local, ov.port, ov.mtu, ov.subnet], ['overlay', 'ov1', 42, 'vx-ov1', '192.0.2.1', 4789, 1450, '10.70.0.0/25']);
  assert.equal(ov.hosts, [{ name: null, underlay: '192.0.2.1' }, { name: null, underlay: '192.0.2.2' }, { name: null, underlay: '192.0.2.3' }]);
  assert.is(ov.forwarding.length, 2);
});

test('an uplink bridge carries the host\'s address: its containers\' gateway is their default route\'s', () => {
  const o = converged(d);
  const ns = o.netns.web;
  const web = { ...ns, routes: [{ dst: 'default', gateway: '10.60.0.254', dev: 'eth0', protocol: 'boot' }] };
  const links = [...o.links, link({ name: 'eno1', alias: 'tnet:demo/uplink/br6@10.60.0.1/24@10.60.0.254', master: 'br6' })];
  const all = ownedObjects({ ...o, links, netns: { ...o.netns, web } });
  assert.is(find<ContainerView>(all, 'web').networks[0].gateway, '10.60.0.254');
  assert.is(find<BridgeView>(all, 'br6').uplink, 'eno1');
});

test.run();
