// The limits read from /proc: the costly reads (mountinfo, a walk of /proc) only when a plan creates namespaces near a limit.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readLimits, UNKNOWN_LIMITS } from '../../src/observe/limits.js';

test('a plan that creates no namespace reads neither the mounts nor the namespaces in use', () => {
  const l = readLimits(0);
  assert.is(l.mounts, null);
  assert.is(l.mountMax, null);
  assert.is(l.netnsInUse, null);
  assert.is(l.netnsDirMounted, true, 'unknown: no extra mount counted');
});

test('creating namespaces far from the limits: still no mountinfo, no walk', () => {
  const l = readLimits(1);
  if (l.mountMax !== null) assert.is(l.mounts, null);
  if (l.netns !== null && l.netns > 2) assert.is(l.netnsInUse, null);
});

test('near the limits: the mounts are counted and the namespaces in use walked', () => {
  const l = readLimits(10_000_000);
  if (l.mountMax !== null) assert.ok(l.mounts !== null && l.mounts > 0);
  if (l.netns !== null) assert.ok(l.netnsInUse !== null && l.netnsInUse >= 0);
});

test('an unknown limit is null, which no check refuses', () => {
  assert.equal(Object.entries(UNKNOWN_LIMITS).filter(([, v]) => v !== null && typeof v !== 'boolean'), []);
});

test.run();
