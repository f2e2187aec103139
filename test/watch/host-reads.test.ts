// Watch mode's kept kernel view: which events name a host link, and the view patched with those links read again.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ObservedLink } from '../../src/model/observed.js';
import { withAllLinks, withLinks } from '../../src/watch/host-reads.js';
import { hostLinkChange } from '../../src/watch/kernel-events.js';

test('a host link that changed is named by its event; deletions, addresses, routes and namespaces are not', () => {
  assert.equal(hostLinkChange('[nsid current]27: vethb64c42c@br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state UP \\    link/ether 76:f5:8c:85:38:70'), { index: 27, name: 'vethb64c42c' });
  assert.equal(hostLinkChange('[nsid current]3: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP'), { index: 3, name: 'br0' });
  assert.is(hostLinkChange('[nsid current]Deleted 7: veth1234567@if2: <BROADCAST,MULTICAST> mtu 1500'), null);
  assert.is(hostLinkChange('[nsid current]27: vethb64c42c    inet 10.0.0.1/24 scope global vethb64c42c'), null);
  assert.is(hostLinkChange('[nsid 4]2: eth0@if27: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP'), null);
  assert.is(hostLinkChange('[nsid current]default via 10.0.0.1 dev br0'), null);
});

const link = (ifindex: number, name: string, over: Partial<ObservedLink> = {}): ObservedLink => ({
  ifindex, name, kind: 'veth', up: true, mtu: 1500, mac: '02:00:00:00:00:01', alias: null, owner: null, master: 'br0',
  peerIfindex: 2, peerNetnsId: 0, hairpin: true, group: 0, addrs: [], addrs6: [], ...over,
});

const view = {
  listed: [],
  host: { links: [link(1, 'br0', { kind: 'bridge', addrs: ['10.0.0.1/24'], master: null }), link(5, 'va'), link(6, 'vb')], nsids: {}, routes: [], routes6: [], ipForward: true, ipForward6: false },
};

test('the links read again replace theirs, with their addresses kept; the others and the view kept are untouched', () => {
  const patched = withLinks(view, new Map([[1, 'br0'], [6, 'vb']]), [link(1, 'br0', { kind: 'bridge', up: false, master: null }), link(6, 'vb', { hairpin: false })]);
  assert.ok(patched);
  assert.is(patched.host.links[1], view.host.links[1]);
  assert.equal(patched.host.links[0], { ...view.host.links[0], up: false });
  assert.is(patched.host.links[2].hairpin, false);
  assert.is(view.host.links[2].hairpin, true);
});

test('links read again as they were leave the very view, so what is keyed by it still holds', () => {
  assert.is(withLinks(view, new Map([[5, 'va'], [6, 'vb']]), [link(5, 'va'), link(6, 'vb')]), view);
  // Their addresses are not read again: the kept ones count.
  assert.is(withLinks(view, new Map([[1, 'br0']]), [link(1, 'br0', { kind: 'bridge', master: null })]), view);
});

test('a link\'s mark compares by value: read again equal, the very view; another, a patch', () => {
  const owner = { spec: 'q', kind: 'veth', name: 'c1' } as unknown as ObservedLink['owner'];
  const marked = { ...view, host: { ...view.host, links: [view.host.links[0], link(5, 'va', { owner }), view.host.links[2]] } };
  assert.is(withLinks(marked, new Map([[5, 'va']]), [link(5, 'va', { owner: { ...owner! } })]), marked);
  const other = withLinks(marked, new Map([[5, 'va']]), [link(5, 'va', { owner: { ...owner!, name: 'c2' } })]);
  assert.ok(other && other !== marked);
  assert.is(withLinks(marked, new Map([[5, 'va']]), [link(5, 'va', { owner: null })])?.host.links[1].owner, null);
});

test('a link the view lacks, renamed, or not read back: no patch, the view is read whole', () => {
  assert.is(withLinks(view, new Map([[9, 'vz']]), [link(9, 'vz')]), null);
  assert.is(withLinks(view, new Map([[5, 'va']]), [link(5, 'vc')]), null);
  assert.is(withLinks(view, new Map([[5, 'va'], [6, 'vb']]), [link(5, 'va')]), null);
  assert.is(withLinks(view, new Map([[5, 'va']]), null), null);
});

test('every link read again: the very view when none changed, patched when one did, none when one came or went', () => {
  const again = view.host.links.map((l) => ({ ...l, addrs: [], addrs6: [] }));
  assert.is(withAllLinks(view, again), view);
  const changed = withAllLinks(view, again.map((l) => (l.name === 'vb' ? { ...l, hairpin: false } : l)));
  assert.ok(changed && changed !== view);
  assert.is(changed.host.links[2].hairpin, false);
  assert.equal(changed.host.links[0].addrs, ['10.0.0.1/24'], 'addresses are the view\'s');
  assert.is(withAllLinks(view, again.slice(1)), null);
  assert.is(withAllLinks(view, [...again, link(9, 'vz')]), null);
  assert.is(withAllLinks(view, null), null);
});

test.run();
