// The collection after a burst: once, only when queries have stopped for the idle time.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IdleCollector } from '../../src/dns/idle-gc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('no collection while queries keep coming; one after they stop', async () => {
  let runs = 0;
  const idle = new IdleCollector(60, () => runs++);
  for (let i = 0; i < 8; i++) {
    idle.touch();
    await sleep(20);
  }
  assert.is(runs, 0, 'never under load');
  await sleep(120);
  assert.is(runs, 1);
  await sleep(120);
  assert.is(runs, 1, 'once per quiet spell');
  idle.touch();
  await sleep(120);
  assert.is(runs, 2);
});

test.run();
