import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDeepStrictEqual } from 'node:util';
import { equalShared, LastValue, same } from '../../src/util/last-value.js';
import { Memo } from '../../src/util/memo.js';
import { FilterMemo, ListMemo } from '../../src/util/list-memo.js';
import { listPatchOf, patchList, patchRecord } from '../../src/util/patch.js';
import { joined, JoinedMemo } from '../../src/util/joined.js';

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

test('equalShared: isDeepStrictEqual\'s answer, walking only what is not shared', () => {
  const shared = { ports: ['8080:80'], bridge: 'br0' };
  const base = { name: 's', containers: { a: shared, b: { bridge: 'br1' } }, list: [1, { x: 2 }] };
  const variants: unknown[] = [
    base,
    { ...base },
    { ...base, containers: { ...base.containers } },
    { ...base, containers: { ...base.containers, b: { bridge: 'br1' } } },
    { ...base, containers: { ...base.containers, b: { bridge: 'br2' } } },
    { ...base, containers: { a: shared } },
    { ...base, containers: { ...base.containers, c: undefined } },
    { ...base, containers: { b: base.containers.b, a: shared } },
    { ...base, list: [1, { x: 2 }] },
    { ...base, list: [1, { x: 3 }] },
    { ...base, list: [1] },
    { ...base, extra: null },
    { name: 's', containers: base.containers },
    [base],
    null,
  ];
  for (const x of variants) for (const y of variants) assert.is(equalShared(x, y), isDeepStrictEqual(x, y), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
});

test('records patched from one another: same and equalShared look at the keys replaced, with the answers of a whole walk', () => {
  const entries = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`c${i}`, { port: 1000 + i }]));
  const keys = Object.keys(entries);
  const equalValue = patchRecord(entries, keys, new Map([['c3', { port: 1003 }]]))!;
  const otherValue = patchRecord(entries, keys, new Map([['c3', { port: 9 }]]))!;
  const sameValue = patchRecord(entries, keys, new Map([['c3', entries.c3]]))!;
  for (const [x, y] of [[entries, equalValue], [equalValue, entries], [entries, otherValue], [otherValue, entries], [entries, sameValue], [equalValue, otherValue]]) {
    assert.is(equalShared(x, y), isDeepStrictEqual(x, y));
    assert.is(same(x, y), Object.keys(x).every((k) => x[k] === y[k]) && Object.keys(x).length === Object.keys(y).length);
    assert.is(same(x, y, { left: 1 }), isDeepStrictEqual(x, y));
  }
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

test('ListMemo: a result reused where the item is the last call\'s at the same position, the token the same, and the item alone', () => {
  const memo = new ListMemo<{ n: number; linked?: boolean }, string>();
  let runs = 0;
  const f = (x: { n: number }) => `${x.n}:${++runs}`;
  const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3, linked: true }];
  const alone = (x: { linked?: boolean }) => !x.linked;
  const first = memo.map([a, b, c], 't', f, alone);
  assert.equal(first, ['1:1', '2:2', '3:3']);
  assert.equal(memo.map([a, b, c], 't', f, alone), ['1:1', '2:2', '3:4'], 'not alone: mapped again');
  assert.equal(memo.map([b, a, c], 't', f, alone), ['2:5', '1:6', '3:7'], 'moved: mapped again');
  assert.equal(memo.map([b, a, c], 'u', f, alone), ['2:8', '1:9', '3:10'], 'another token');
  assert.equal(memo.map([b, a], 'u', f, alone), ['2:8', '1:9']);
});

test('ListMemo over patched lists: what a whole map gives, mapping only the items replaced and those not alone', () => {
  const memo = new ListMemo<{ n: number; linked?: boolean }, string>();
  const mapped: number[] = [];
  const f = (x: { n: number }) => {
    mapped.push(x.n);
    return `r${x.n}`;
  };
  const alone = (x: { linked?: boolean }) => !x.linked;
  const items = Array.from({ length: 10 }, (_, n) => ({ n, linked: n === 4 }));
  const first = memo.map(items, 't', f, alone);
  assert.equal(first, items.map((x) => `r${x.n}`));
  mapped.length = 0;
  const same = patchList(items, [2], [items[2]]);
  assert.is(memo.map(same, 't', f, alone), first, 'the same results: the very last list');
  assert.equal(mapped, [2, 4], 'the item replaced and the one not alone');
  mapped.length = 0;
  const edited = patchList(same, [2, 7], [{ n: 12 }, { n: 17, linked: true }]);
  const out = memo.map(edited, 't', f, alone);
  assert.equal(out, edited.map((x) => `r${x.n}`));
  assert.equal(mapped, [12, 4, 17]);
  assert.equal(listPatchOf(out), { from: first, at: [2, 7] });
  mapped.length = 0;
  const back = patchList(edited, [7], [items[7]]);
  assert.equal(memo.map(back, 't', f, alone), back.map((x) => `r${x.n}`));
  assert.equal(mapped, [4, 7], 'the item no longer linked is mapped once, then alone again');
  mapped.length = 0;
  memo.map(patchList(back, [1], [items[1]]), 't', f, alone);
  assert.equal(mapped, [1, 4]);
  mapped.length = 0;
  memo.map(patchList(back, [1], [items[1]]), 'u', f, alone);
  assert.is(mapped.length, 10, 'another token: every item');
});

test('JoinedMemo: joined() of every list, the last result for the last lists, patched in place for lists of the same lengths', () => {
  const memo = new JoinedMemo<string>();
  const lists = [['a'], ['b', 'c'], [], ['d']];
  const first = memo.join(lists);
  assert.equal(first, ['a', 'b', 'c', 'd']);
  assert.is(memo.join(lists), first);
  const patched = patchList(lists, [1], [['B', 'c']]);
  const second = memo.join(patched);
  assert.equal(second, ['a', 'B', 'c', 'd']);
  assert.equal(listPatchOf(second), { from: first, at: [1] });
  const longer = patchList(patched, [2], [['x']]);
  assert.equal(memo.join(longer), joined(longer), 'a list of another length: joined whole');
  const equal = patchList(longer, [0], [['a']]);
  assert.is(memo.join(equal), memo.join(equal));
  assert.equal(memo.join(equal), joined(equal));
  assert.equal(memo.join([['z']]), ['z']);
});

test('same() over lists patched from one another: the answer of a whole comparison', () => {
  const base = Array.from({ length: 8 }, (_, n) => ({ n }));
  const equalItem = patchList(base, [3], [{ n: 3 }]);
  const sameItem = patchList(base, [3], [base[3]]);
  const other = patchList(base, [3], [{ n: 9 }]);
  for (const [x, y] of [[base, equalItem], [equalItem, base], [base, sameItem], [base, other], [other, equalItem]]) {
    assert.is(same(x, y), x.every((v, i) => v === y[i]));
    assert.is(same(x, y, { left: 1 }), isDeepStrictEqual(x, y));
  }
});

test('FilterMemo: filter()\'s result, patched where the patch keeps the same items in, whole where it does not', () => {
  const memo = new FilterMemo<{ n: number; out?: boolean }>();
  const keep = (x: { out?: boolean }) => !x.out;
  const items: { n: number; out?: boolean }[] = Array.from({ length: 8 }, (_, n) => ({ n, out: n === 2 }));
  const first = memo.filter(items, keep);
  assert.equal(first, items.filter(keep));
  const edited = patchList(items, [5], [{ n: 15 }]);
  const second = memo.filter(edited, keep);
  assert.equal(second, edited.filter(keep));
  assert.equal(listPatchOf(second), { from: first, at: [4] });
  assert.is(memo.filter(patchList(edited, [2], [{ n: 12, out: true }]), keep), second, 'only a dropped item replaced: the last result');
  const flipped = patchList(edited, [3], [{ n: 13, out: true }]);
  const third = memo.filter(flipped, keep);
  assert.equal(third, flipped.filter(keep));
  assert.is(listPatchOf(third), undefined, 'an item dropped that was kept: filtered whole');
});

test.run();
