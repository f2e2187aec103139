// Rule owners and marks share one prefix: a spec's owner reads back as the spec, anything else as no spec.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mark, MARK_PREFIX, parseMark } from '../../src/ownership/marks.js';
import { SHARED_OWNER, specOfOwner, specOwner } from '../../src/ownership/rule-owner.js';

test('specOfOwner inverts specOwner; the shared owner, a stranger and no comment name no spec', () => {
  assert.is(specOwner('edge'), `${MARK_PREFIX}edge`);
  assert.is(specOfOwner(specOwner('edge.prod')), 'edge.prod');
  assert.is(specOfOwner(SHARED_OWNER), null);
  assert.is(specOfOwner('docker'), null);
  assert.is(specOfOwner(null), null);
});

test('marks start with the same prefix as rule owners', () => {
  const m = mark('edge', 'bridge', 'br0');
  assert.ok(m.startsWith(MARK_PREFIX));
  assert.equal(parseMark(m), { spec: 'edge', kind: 'bridge', name: 'br0' });
  assert.is(parseMark(`other:edge/bridge/br0`), null);
});

test.run();
