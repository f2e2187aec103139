// Planning IPv6: the bridge's gateway6, each endpoint's ip6 and IPv6 default route, forwarding, drift, undo.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.js';
import { undoPlan } from '../../src/plan/undo.js';
import type { Action } from '../../src/model/action.js';
import type { DesiredEndpoint, DesiredState } from '../../src/model/desired.js';
import { desired, emptyObserved, link, netns } from '../helpers/fixtures.js';

const bridge = { name: 'br6', owned: true, mark: 'tnet:q/bridge/br6', mac: '02:42:0a:3c:00:01', mtu: 1500, address: '10.60.0.1/24', address6: 'fd00:60::1/64', subnet: '10.60.0.0/24', uplink: null };
const ep: DesiredEndpoint = {
  container: 'a', netns: 'a', hostIf: 'veth1234567', ifname: 'eth0', bridge: 'br6', address: '10.60.0.2/24', gateway: '10.60.0.1',
  address6: 'fd00:60::2/64', gateway6: 'fd00:60::1', mac: '02:42:0a:3c:00:02', mtu: 1500, mark: 'tnet:q/veth/a', defaultRoute: true,
  seal: 'tnet:q/veth/a@10.60.0.2/24@netns@0badcafe@fd00:60::2/64',
};
const want: DesiredState = desired({ ipForward6: true, bridges: [bridge], netns: [{ name: 'a', kind: 'created', mark: 'tnet:q/netns/a' }], endpoints: [ep] });

function converged() {
  return emptyObserved({
    ipForward6: true,
    links: [
      link({ name: 'br6', ifindex: 2, kind: 'bridge', mac: bridge.mac, alias: bridge.mark, addrs: ['10.60.0.1/24'], addrs6: ['fd00:60::1/64'] }),
      link({ name: 'veth1234567', ifindex: 3, kind: 'veth', master: 'br6', alias: ep.seal, peerIfindex: 2, peerNetnsId: 0, hairpin: false }),
    ],
    netns: {
      a: netns({
        name: 'a', mark: 'tnet:q/netns/a',
        links: [link({ name: 'lo', ifindex: 1 }), link({ name: 'eth0', ifindex: 2, kind: 'veth', mac: ep.mac, peerIfindex: 3, addrs: ['10.60.0.2/24'], addrs6: ['fd00:60::2/64'] })],
        routes: [{ dst: 'default', gateway: '10.60.0.1', dev: 'eth0', protocol: 'boot' }],
        routes6: [{ dst: 'default', gateway: 'fd00:60::1', dev: 'eth0', protocol: 'boot' }],
      }),
    },
  });
}

const text = (r: ReturnType<typeof plan>): string[] =>
  r.ok ? r.value.map((a: Action) => ('cidr' in a ? `${a.op} ${a.cidr}` : 'dst' in a && a.op.startsWith('route') ? `${a.op} ${a.dst}` : a.op)) : r.errors.map((e) => `error:${e.code}`);

test('from an empty host: IPv6 forwarding, gateway6 on the bridge, ip6 and the IPv6 default route inside', () => {
  assert.equal(text(plan(want, emptyObserved({ ipForward6: false }))), [
    'sysctl', 'netns-add', 'netns-mark', 'bridge-add', 'addr-add 10.60.0.1/24', 'addr-add fd00:60::1/64', 'addr-add fe80::42:aff:fe3c:1/64', 'link-set', 'veth-add', 'link-set', 'link-set',
    'addr-add 10.60.0.2/24', 'route-replace default', 'addr-add fd00:60::2/64', 'route-replace ::/0',
  ]);
});

test('converged plans nothing; the kernel\'s link-local addresses are none of its business', () => {
  assert.equal(text(plan(want, converged())), []);
});

test('IPv6 drift inside: a lost address and route come back; a stray global address goes', () => {
  const o = converged();
  o.links[1] = { ...o.links[1], alias: ep.mark };
  o.netns.a.links[1].addrs6 = ['fd00:60::99/64'];
  o.netns.a.routes6 = [];
  assert.equal(text(plan(want, o)), ['addr-del fd00:60::99/64', 'addr-add fd00:60::2/64', 'route-replace ::/0', 'link-seal']);
});

test('subnet6 dropped: addresses and route go from the bridge and the container', () => {
  const v4: DesiredState = { ...want, ipForward6: null, bridges: [{ ...bridge, address6: null }], endpoints: [{ ...ep, address6: null, gateway6: null, seal: 'tnet:q/veth/a@10.60.0.2/24@netns@0badcafe' }] };
  assert.equal(text(plan(v4, converged())), ['addr-del fd00:60::1/64', 'addr-del fd00:60::2/64', 'route-del ::/0', 'link-seal']);
});

test('undo: the IPv6 route and forwarding go back to what was seen', () => {
  const before = converged();
  before.ipForward6 = false;
  before.netns.a.routes6 = [{ dst: 'default', gateway: 'fd00:60::fe', dev: 'eth0', protocol: 'boot' }];
  const done: Action[] = [
    { op: 'sysctl', ns: null, key: 'net.ipv6.conf.all.forwarding', value: '1' },
    { op: 'route-replace', ns: 'a', dst: '::/0', via: 'fd00:60::1', dev: 'eth0' },
  ];
  assert.equal(undoPlan(done, before).actions, [
    { op: 'route-replace', ns: 'a', dst: '::/0', via: 'fd00:60::fe', dev: 'eth0' },
    { op: 'sysctl', ns: null, key: 'net.ipv6.conf.all.forwarding', value: '0' },
  ]);
});

test('a subnet6 over a host IPv6 route through another interface is refused', () => {
  const o = emptyObserved({ routes6: [{ dst: 'fd00:60::/48', gateway: null, dev: 'eth9', protocol: 'kernel' }, { dst: 'fe80::/64', gateway: null, dev: 'eth9', protocol: 'kernel' }] });
  const r = plan(want, o);
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal(r.errors.map((e) => e.path), ['bridges.br6.subnet6']);
});

test.run();
