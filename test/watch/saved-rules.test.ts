// The kept iptables-save text is served only while the monitor listens and no commit happened since it was read.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SavedRules } from '../../src/watch/saved-rules.js';

/** A save that counts its calls and returns "rules N". */
function counter() {
  let n = 0;
  return { save: async () => `rules ${++n}`, get calls() { return n; } };
}

test('before the monitor listens every read runs iptables-save', async () => {
  const s = new SavedRules();
  const c = counter();
  assert.is(await s.read(c.save), 'rules 1');
  assert.is(await s.read(c.save), 'rules 2');
  assert.is(c.calls, 2);
});

test('while it listens and nothing is committed, one read serves all', async () => {
  const s = new SavedRules();
  s.listen();
  const c = counter();
  assert.is(await s.read(c.save), 'rules 1');
  assert.is(await s.read(c.save), 'rules 1');
  assert.is(c.calls, 1);
});

test('a commit by another process drops the text and is reported as drift', async () => {
  const s = new SavedRules();
  s.listen();
  const c = counter();
  await s.read(c.save);
  assert.ok(s.committed(4242), 'foreign');
  assert.is(await s.read(c.save), 'rules 2');
});

test("tnet's own restore drops the text when it runs; its reported commit is not drift and drops nothing read after it", async () => {
  const s = new SavedRules();
  s.listen();
  const c = counter();
  await s.read(c.save);
  s.committing(77);
  assert.is(await s.read(c.save), 'rules 2', 'read again after our restore');
  assert.not.ok(s.committed(77), 'its own commit');
  assert.is(await s.read(c.save), 'rules 2', 'the read after the restore still holds');
  assert.ok(s.committed(78), 'another pid is foreign');
});

test('a monitor gone deaf drops the text and keeps nothing after', async () => {
  const s = new SavedRules();
  s.listen();
  const c = counter();
  await s.read(c.save);
  s.deaf();
  assert.is(await s.read(c.save), 'rules 2');
  assert.is(await s.read(c.save), 'rules 3');
});

test('a failed read is not kept', async () => {
  const s = new SavedRules();
  s.listen();
  await s.read(async () => Promise.reject(new Error('no iptables'))).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 1));
  assert.is(await s.read(async () => 'ok'), 'ok');
});

test.run();
