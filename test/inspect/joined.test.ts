// The inspect view with a spec: settings from the spec, addresses, veths and ports from the kernel, a state per object.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Action } from '../../src/model/action.js';
import { joinedObjects } from '../../src/inspect/joined.js';
import type { BridgeView, ContainerView, InspectObject, OverlayView } from '../../src/inspect/view.js';
import { plan } from '../../src/plan/plan.js';
import { emptyObserved } from '../helpers/fixtures.js';
import { converged, desiredOf, spec } from './fixture.js';

const s = spec();
const d = desiredOf(s);
const line = (a: Action) => `${a.op} ${'name' in a ? a.name : 'hostIf' in a ? a.hostIf : 'dev' in a ? a.dev : 'path' in a ? a.path : ''}`.trim();
const find = <T extends InspectObject>(all: InspectObject[], name: string) => all.find((o) => o.name === name) as T;

test('a host holding the spec: every object in sync, with what the kernel holds', () => {
  const actions = plan(d, converged(d));
  assert.ok(actions.ok);
  if (!actions.ok) return;
  assert.ok(actions.value.length > 0, 'the jumps and DNS records are still to do: they concern no one object');
  const all = joinedObjects({ spec: s, desired: d, observed: converged(d), actions: actions.value, line });
  assert.equal(all.map((o) => `${o.kind} ${o.name} ${o.state}`), ['bridge br6 in sync', 'container web in sync', 'container db in sync', 'container side in sync', 'container tools in sync']);
  const web = find<ContainerView>(all, 'web');
  assert.equal(web.networks, [{
    network: 'br6', interface: 'eth0', ipv4: '10.60.0.2/24', ipv6: 'fd00:60::2/64', gateway: '10.60.0.1', gateway6: 'fd00:60::1',
    mac: '02:42:0a:3c:00:02', hostVeth: d.endpoints[0].hostIf, aliases: ['www'],
  }]);
  assert.equal(web.ports.map((p) => [p.hostIp, p.hostPort, p.containerPort, p.chosen]), [
    ['0.0.0.0', 8080, 80, false], ['0.0.0.0', 32768, 80, true], ['::', 8080, 80, false], ['::', 32768, 80, true],
    ['0.0.0.0', 8000, 90, true], ['::', 8000, 90, true], ['127.0.0.1', 32768, 91, true],
  ]);
  assert.equal(web.links, [{ target: 'db', alias: 'database' }]);
  assert.equal(web.dns, { nameservers: ['10.60.0.1'], search: [], options: ['ndots:0'] });
  assert.is(web.netns, '/run/netns/web');
  assert.is(web.mode, 'bridge');
  assert.is(find<ContainerView>(all, 'side').mode, 'container:web');
  const tools = find<ContainerView>(all, 'tools');
  assert.equal([tools.mode, tools.netns, tools.networks, tools.dns], ['host', null, [], null]);
  const br = find<BridgeView>(all, 'br6');
  assert.equal([br.subnet, br.gateway, br.subnet6, br.gateway6, br.mtu, br.icc, br.internal], ['10.60.0.0/24', '10.60.0.1', 'fd00:60::/64', 'fd00:60::1', 1500, true, false]);
  assert.equal(br.containers.map((m) => [m.name, m.ipv4, m.ipv6]), [['web', '10.60.0.2/24', 'fd00:60::2/64'], ['db', '10.60.0.3/24', 'fd00:60::3/64']]);
});

test('a container gone from the kernel is missing, with what apply would do for it; the others keep their state', () => {
  const observed = converged(d, ['db']);
  const actions = plan(d, observed);
  assert.ok(actions.ok);
  if (!actions.ok) return;
  const all = joinedObjects({ spec: s, desired: d, observed, actions: actions.value, line });
  const db = find<ContainerView>(all, 'db');
  assert.is(db.state, 'missing');
  assert.equal(db.networks.map((e) => [e.interface, e.ipv4, e.hostVeth, e.gateway]), [[null, null, null, '10.60.0.1']], 'nothing read, the network\'s gateway still said');
  assert.ok(db.changes.includes('netns-add db'), db.changes.join('\n'));
  assert.ok(db.changes.includes(`veth-add ${d.endpoints[1].hostIf}`), db.changes.join('\n'));
  assert.ok(db.changes.some((c) => c === 'file-write /etc/netns/db/hosts'));
  assert.is(find<ContainerView>(all, 'web').state, 'in sync', 'web\'s own objects are untouched');
  assert.equal(find<BridgeView>(all, 'br6').containers.find((m) => m.name === 'db')?.hostVeth, null);
});

test('ports the kernel lacks or holds in excess make the container differ, as plan lines', () => {
  const observed = converged(d);
  const nat = observed.firewall!.tables.find((t) => t.table === 'nat')!;
  // In the chain of web's bridge, which TNET jumps to.
  const chains = Object.fromEntries(Object.entries(nat.chains).map(([n, c]) => [n, { ...c, rules: c.rules.map((r) => r.replace('--dport 8000 ', '--dport 8001 ')) }]));
  const fw = { ...observed.firewall!, tables: [{ ...nat, chains }] };
  const all = joinedObjects({ spec: s, desired: d, observed: { ...observed, firewall: fw }, actions: [], line });
  const web = find<ContainerView>(all, 'web');
  assert.is(web.state, 'differs');
  assert.equal(web.changes, ['+ publish 90/tcp -> 0.0.0.0:8000', '- publish 90/tcp -> 0.0.0.0:8001']);
  assert.equal(web.ports.find((p) => p.containerPort === 90)?.hostPort, 8001, 'ports are what the kernel holds');
});

test('an empty host: the bridge missing with its plan lines; host-mode containers have nothing to miss', () => {
  const actions = plan(d, emptyObserved());
  assert.ok(actions.ok);
  if (!actions.ok) return;
  const all = joinedObjects({ spec: s, desired: d, observed: emptyObserved(), actions: actions.value, line });
  const br = find<BridgeView>(all, 'br6');
  assert.equal([br.state, br.mtu, br.mac], ['missing', null, null]);
  assert.ok(br.changes.includes('bridge-add br6'));
  assert.ok(br.changes.every((c) => !c.includes('veth')), 'a container\'s veth is the container\'s change');
  assert.is(find<ContainerView>(all, 'web').ports.length, 0);
  assert.is(find<ContainerView>(all, 'tools').state, 'in sync');
});

test('a seal vouching for a namespace not entered: its values are what the seal vouches for', () => {
  const observed = converged(d);
  const web = { ...observed.netns.web, read: false, links: [], routes: [] };
  const all = joinedObjects({ spec: s, desired: d, observed: { ...observed, netns: { ...observed.netns, web } }, actions: [], line });
  assert.equal(find<ContainerView>(all, 'web').networks[0].ipv4, '10.60.0.2/24');
});

test('an overlay: its bridge\'s settings, VNI and hosts from the spec, forwarding entries from the kernel', () => {
  const os = spec(`version: 1
name: ov
overlays:
  ov1:
    vni: 42
    subnet: 10.70.0.0/24
    hosts:
      h1: { underlay: 192.0.2.1, ipRange: 10.70.0.0/25 }
      h2: { underlay: 192.0.2.2, ipRange: 10.70.0.128/25 }
containers:
  a: { bridge: ov1, host: h1 }
`, 'h1');
  const od = desiredOf(os);
  const observed = { ...converged(od), fdb: [{ dev: 'vx-ov1', mac: '00:00:00:00:00:00', dst: '192.0.2.2' }] };
  const ov = find<OverlayView>(joinedObjects({ spec: os, desired: od, observed, actions: [], line }), 'ov1');
  assert.is(ov.kind, 'overlay');
  assert.equal([ov.vni, ov.device, ov.local, ov.port], [42, 'vx-ov1', '192.0.2.1', 4789]);
  assert.equal(ov.hosts, [{ name: 'h1', underlay: '192.0.2.1' }, { name: 'h2', underlay: '192.0.2.2' }]);
  assert.equal(ov.forwarding, [{ mac: '00:00:00:00:00:00', dst: '192.0.2.2' }]);
  assert.is(ov.state, 'missing', 'its VXLAN device is not there');
});

test.run();
