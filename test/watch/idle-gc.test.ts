// The watch's idle collection: only once the heap grew past its budget since the last one, and then after a quiet moment.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUDGET_FLOOR, budgetAfter, idleCollector } from '../../src/watch/idle-gc.js';

const MB = 2 ** 20;

/** A heap whose size the test sets; a collection brings it down to what is alive. */
function fakeHeap(start: number) {
  const heap = { used: start, alive: start, collections: 0 };
  const gc = () => {
    heap.collections++;
    heap.used = heap.alive;
  };
  return { heap, gc, heapUsed: () => heap.used };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the budget is 64 MB, or half of what was alive after the last collection when that is more', () => {
  assert.is(budgetAfter(10 * MB), BUDGET_FLOOR);
  assert.is(budgetAfter(200 * MB), 100 * MB);
});

test('now() collects only once the heap grew past the budget, and measures the next growth from what survived', () => {
  const { heap, gc, heapUsed } = fakeHeap(20 * MB);
  const c = idleCollector({ gc, heapUsed });
  heap.used = 20 * MB + BUDGET_FLOOR;
  c.now();
  assert.is(heap.collections, 0, 'exactly the budget: not yet');
  heap.used += 1;
  c.now();
  assert.is(heap.collections, 1);
  // A collection that leaves 150 MB alive: the next one waits for 75 MB more.
  heap.alive = 150 * MB;
  heap.used = 20 * MB + BUDGET_FLOOR + 1;
  c.now();
  assert.is(heap.collections, 2);
  heap.used = 150 * MB + 74 * MB;
  c.now();
  assert.is(heap.collections, 2);
  heap.used = 150 * MB + 76 * MB;
  c.now();
  assert.is(heap.collections, 3);
});

test('schedule() collects after the delay, not at once; cancel() and a later schedule drop a pending one', async () => {
  const { heap, gc, heapUsed } = fakeHeap(10 * MB);
  const c = idleCollector({ gc, heapUsed, delayMs: 20 });
  heap.used = 100 * MB;
  c.schedule();
  assert.is(heap.collections, 0);
  await tick(40);
  assert.is(heap.collections, 1);
  heap.used = 10 * MB + 200 * MB;
  c.schedule();
  c.cancel();
  await tick(40);
  assert.is(heap.collections, 1, 'cancelled');
  c.schedule();
  heap.used = 10 * MB;
  await tick(5);
  c.schedule(); // the heap is small again (V8 collected on its own): nothing due
  await tick(40);
  assert.is(heap.collections, 1);
});

test('under budget, schedule() sets no timer at all; without gc the collector does nothing', async () => {
  const { heap, gc, heapUsed } = fakeHeap(10 * MB);
  const c = idleCollector({ gc, heapUsed, delayMs: 1 });
  heap.used = 30 * MB;
  c.schedule();
  await tick(10);
  assert.is(heap.collections, 0);
  const none = idleCollector({ gc: undefined, heapUsed });
  heap.used = 1000 * MB;
  none.schedule();
  none.now();
  await tick(10);
  assert.is(heap.collections, 0);
});

test.run();
