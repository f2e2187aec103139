import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vouched } from '../../src/plan/vouch.js';
import { desired, emptyObserved, link } from '../helpers/fixtures.js';
import type { DesiredEndpoint } from '../../src/model/desired.js';

const ep: DesiredEndpoint = {
  container: 'a', netns: 'a', hostIf: 'vethaaaaaaa', ifname: 'eth0', bridge: 'docker0', address: '172.17.0.2/16',
  gateway: '172.17.0.1', mac: '02:42:ac:11:00:02', mtu: 1500, mark: 'tnet:q/veth/a', defaultRoute: true,
  seal: 'tnet:q/veth/a@172.17.0.2/16@netns@12345678',
};
const want = desired({ netns: [{ name: 'a', kind: 'created', mark: 'tnet:q/netns/a' }], endpoints: [ep] });
const ids = new Map([['a', '4:1'], ['b', '4:2']]);
const host = (over = {}) =>
  emptyObserved({ nsids: { 0: 'a', 1: 'b' }, links: [link({ name: 'vethaaaaaaa', kind: 'veth', master: 'docker0', alias: ep.seal, peerNetnsId: 0, ...over })] });

test('a sealed, up, enslaved host end whose peer is in the namespace vouches for it', () => {
  assert.equal([...vouched(want, host(), ids)], [['a', 'tnet:q/netns/a']]);
});

test('no vouching for a stale seal, a host end down or elsewhere, or a peer in another namespace', () => {
  assert.is(vouched(want, host({ alias: 'tnet:q/veth/a@172.17.0.2/16@netns@87654321' }), ids).size, 0);
  assert.is(vouched(want, host({ alias: ep.mark }), ids).size, 0);
  assert.is(vouched(want, host({ up: false }), ids).size, 0);
  assert.is(vouched(want, host({ master: null }), ids).size, 0);
  assert.is(vouched(want, host({ peerNetnsId: 1 }), ids).size, 0);
});

test('no vouching while the intent of the apply that made the namespace is still recorded', () => {
  // That apply sealed the veth as it made it, before the inside: until it went through, the seal proves nothing.
  const o = host();
  o.intents = { a: 'tnet:q/netns/a' };
  assert.is(vouched(want, o, ids).size, 0);
  o.intents = { b: 'tnet:q/netns/b' };
  assert.is(vouched(want, o, ids).size, 1, "another namespace's intent says nothing of this one");
});

test('a namespace known by another name (container:X) is recognised by its id', () => {
  const o = host();
  o.nsids = { 0: 'side' };
  assert.is(vouched(want, o, new Map([...ids, ['side', '4:1']])).size, 1);
});

test('a sealed namespace the spec dropped is known as tnet\'s, with its kind, without entering it', () => {
  const o = host();
  o.links[0] = link({ ...o.links[0], alias: 'tnet:q/veth/a@172.17.0.2/16@netns-attached@12345678' });
  assert.equal([...vouched(desired(), o, ids)], [['a', 'tnet:q/netns-attached/a']]);
  o.links[0] = link({ ...o.links[0], alias: 'tnet:other/veth/a@172.17.0.2/16@netns@12345678' });
  assert.is(vouched(desired(), o, ids).size, 0, 'another spec\'s seal says nothing for this one');
});

test.run();
