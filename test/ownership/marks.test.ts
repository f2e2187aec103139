// Marks, seals, veth names and MACs: what they parse to, and the exact values earlier versions wrote, which an upgrade must keep.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostIfName, macForIp, parseMark, sealAlias } from '../../src/ownership/marks.js';

test('parseMark: spec, kind and name, up to the seal; a name may hold slashes', () => {
  assert.equal(parseMark('tnet:edge/veth/web'), { spec: 'edge', kind: 'veth', name: 'web' });
  assert.equal(parseMark('tnet:edge/veth/web/br1@172.17.0.2/16@netns@1a2b3c4d'), { spec: 'edge', kind: 'veth', name: 'web/br1' });
  assert.equal(parseMark('tnet:edge/veth/web/'), { spec: 'edge', kind: 'veth', name: 'web/' });
  assert.equal(parseMark('tnet:edge/veth/@x'), { spec: 'edge', kind: 'veth', name: '' });
  assert.ok(Object.isFrozen(parseMark('tnet:edge/veth/web')));
});

test('parseMark: anything else is no mark', () => {
  for (const alias of [null, '', 'tnet:', 'docker0', 'tnet:edge', 'tnet:edge/veth', 'tnet:/veth/web', 'tnet:edge//web', 'tnet://web', 'tnet:edge/veth@/web', 'tnet:edge@veth/web/x', 'other:edge/veth/web']) {
    assert.is(parseMark(alias), null, String(alias));
  }
});

test('macForIp is Docker’s 02:42 and the address in hex', () => {
  assert.is(macForIp('172.17.0.2'), '02:42:ac:11:00:02');
  assert.is(macForIp('10.255.16.1'), '02:42:0a:ff:10:01');
  assert.is(macForIp('0.0.0.0'), '02:42:00:00:00:00');
});

test('veth names and seal digests are the ones earlier versions made: an upgrade renames nothing, reseals nothing', () => {
  // The two names of issue 13's collision, as the first versions hashed them.
  assert.is(hostIfName('net', 'c2754', 'br1'), 'veth30f697f');
  assert.is(hostIfName('net', 'c468', 'br1'), 'veth30f697f');
  assert.not.equal(hostIfName('net', 'c468', 'br1', 1), 'veth30f697f');
  const seal = sealAlias('tnet:q/veth/web', '172.17.0.2/16', 'netns', { ip: '172.17.0.2/16', gw: '172.17.0.1' });
  assert.is(seal, 'tnet:q/veth/web@172.17.0.2/16@netns@00a39a4b');
});

test.run();
