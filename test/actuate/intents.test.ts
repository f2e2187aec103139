// The intents an apply records before it creates namespaces, read back and dropped: one file per apply.

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropIntents, intentsFile, recordIntents } from '../../src/actuate/intents.js';
import { observeIntents } from '../../src/observe/intents.js';

const mark = (name: string) => `tnet:net/netns/${name}`;
const intents = (...names: string[]) => new Map(names.map((n) => [n, mark(n)]));
const fresh = () => mkdtempSync(join(tmpdir(), 'tnet-intents-'));

test('recorded in one file, read back by name; dropped once the apply went through', async () => {
  const dir = fresh();
  const file = intentsFile(dir);
  assert.equal(await recordIntents(intents('a', 'b', 'c'), file), []);
  assert.equal(readdirSync(dir).length, 1, 'one file, whatever the number of namespaces');
  assert.equal(await observeIntents(new Set(), dir), { a: mark('a'), b: mark('b'), c: mark('c') });
  assert.equal(await observeIntents(new Set(['b']), dir), { a: mark('a'), c: mark('c') }, 'the check leaves out its own');
  assert.equal(await dropIntents(intents('a', 'b', 'c'), file), []);
  assert.equal(readdirSync(dir), []);
  assert.equal(await observeIntents(new Set(), dir), {});
});

test('an interrupted apply leaves its record; a later apply of some of its namespaces takes them out of it', async () => {
  const dir = fresh();
  const crashed = intentsFile(dir);
  await recordIntents(intents('a', 'b'), crashed);
  const next = intentsFile(dir);
  await recordIntents(intents('b', 'c'), next);
  assert.equal(Object.keys(await observeIntents(new Set(), dir)).sort(), ['a', 'b', 'c']);
  await dropIntents(intents('b', 'c'), next);
  assert.equal(await observeIntents(new Set(), dir), { a: mark('a') }, "b's older record went with this apply's");
  await dropIntents(intents('a'), intentsFile(dir));
  assert.equal(readdirSync(dir), [], 'a record left empty is removed');
});

test("an older tnet's record, a file per namespace, is read and dropped as before", async () => {
  const dir = fresh();
  writeFileSync(join(dir, 'old'), `${mark('old')}\n`);
  writeFileSync(join(dir, 'kept'), mark('kept'));
  const file = intentsFile(dir);
  await recordIntents(intents('old', 'new'), file);
  assert.equal(await observeIntents(new Set(), dir), { old: mark('old'), kept: mark('kept'), new: mark('new') });
  await dropIntents(intents('old', 'new'), file);
  assert.equal(readdirSync(dir), ['kept']);
});

test('a file being written, or a line cut short, is no intent', async () => {
  const dir = fresh();
  writeFileSync(join(dir, '.1-2-x.intents.tmp'), `a\t${mark('a')}\n`);
  writeFileSync(join(dir, '.1-2-y.intents'), `b\t${mark('b')}\nc`);
  assert.equal(await observeIntents(new Set(), dir), { b: mark('b') });
});

test('files are named so that they sort as they were recorded: a later record of a name wins', async () => {
  const dir = fresh();
  const first = intentsFile(dir);
  await new Promise((r) => setTimeout(r, 5));
  const second = intentsFile(dir);
  assert.ok(first.split('/').pop()! < second.split('/').pop()!);
  await recordIntents(new Map([['a', 'tnet:one/netns/a']]), first);
  await recordIntents(new Map([['a', 'tnet:two/netns/a']]), second);
  assert.equal(await observeIntents(new Set(), dir), { a: 'tnet:two/netns/a' });
});

test('a folder removed meanwhile leaves nothing to drop, and is no error', async () => {
  const dir = join(fresh(), 'gone');
  assert.equal(await dropIntents(intents('a'), intentsFile(dir)), []);
});

test.run();
