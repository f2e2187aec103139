// Patches name what they were made from without keeping it alive.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { listPatchOf, patchList, patchRecord, recordPatchOf } from '../../src/util/patch.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A chain of values each patched from the one before, the last only kept. */
function chain(): { record: object; list: readonly number[] } {
  let record: Record<string, number> = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
  let list: readonly number[] = Array.from({ length: 100 }, (_, i) => i);
  for (let n = 0; n < 20; n++) {
    record = patchRecord(record, Object.keys(record), new Map([[`k${n}`, -n]]))!;
    list = patchList(list, [n], [-n]);
  }
  return { record, list };
}

test('a patch gives what it was made from while that lives, and does not keep it alive', async () => {
  const { record, list } = chain();
  assert.ok(recordPatchOf(record) !== undefined && listPatchOf(list) !== undefined, 'the last one\'s patch, before a collection');
  assert.equal(recordPatchOf(record)!.keys, ['k19']);
  assert.equal(listPatchOf(list)!.at, [19]);
  // Weak references hold their target to the end of the current job: collect once it is over.
  await new Promise((r) => setImmediate(r));
  gc();
  assert.is(recordPatchOf(record), undefined, 'the record it was made from is collected');
  assert.is(listPatchOf(list), undefined, 'the list it was made from is collected');
});

test('a patch from a value still held names it', async () => {
  const from = [1, 2, 3];
  const list = patchList(from, [1], [5]);
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal(listPatchOf(list), { from, at: [1] });
});

test.run();
