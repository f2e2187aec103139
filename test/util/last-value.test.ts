import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LastValue, same } from '../../src/util/last-value.js';
import { Memo } from '../../src/util/memo.js';

test('same: identity; lists element by element; plain records key by key; nothing deeper', () => {
  const a = { x: [1] };
  const b = { x: [1] };
  assert.ok(same(a, a));
  assert.not.ok(same(a, b), 'records of equal values are not the same');
  assert.ok(same({ x: 1, y: 'p' }, { x: 1, y: 'p' }));
  assert.ok(same([a, 'p'], [a, 'p']));
  assert.not.ok(same([a], [b]));
  assert.not.ok(same([a], [a, a]));
  assert.ok(same({ k: a }, { k: a }));
  assert.not.ok(same({ k: a }, { k: b }));
  assert.not.ok(same({ k: a }, { k: a, l: a }));
  assert.not.ok(same({ k: undefined }, { l: undefined }), 'a key missing is not a key set to undefined');
  assert.not.ok(same(new Map(), new Map()), 'maps and sets only by identity');
});

test('LastValue: computed again exactly when an input is not the same', () => {
  const memo = new LastValue<number>();
  let runs = 0;
  const run = (inputs: unknown[]) => memo.get(inputs, () => ++runs);
  const xs = [{}, {}];
  assert.is(run([xs, 'spec']), 1);
  assert.is(run([[...xs], 'spec']), 1, 'a new list of the same elements');
  assert.is(run([[xs[0], {}], 'spec']), 2);
  assert.is(run([[xs[0], {}], 'spec']), 3, 'an element equal but new');
  assert.is(run([[xs[0], {}], 'other']), 4);
});

test('Memo with a name: a value computed anew that equals the last of its name is that very object', () => {
  const memo = new Memo<object, { n: number }[]>();
  const first = memo.get({}, 'k', () => [{ n: 1 }], 'c1');
  const again = memo.get({}, 'k', () => [{ n: 1 }], 'c1');
  assert.is(again, first, 'a new container object, the same value');
  const changed = memo.get({}, 'k', () => [{ n: 2 }], 'c1');
  assert.is.not(changed, first);
  assert.equal(changed, [{ n: 2 }]);
  assert.is.not(memo.get({}, 'k', () => [{ n: 1 }], 'c2'), first, 'another name shares nothing');
});

test.run();
