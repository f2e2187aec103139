// The DNS records reader serves what it read last only while the file is the same: a new file, a write, a removal are seen.

import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordsReader } from '../../src/observe/dns.js';

const dir = mkdtempSync(join(tmpdir(), 'tnet-records-'));
const path = join(dir, 'net.json');

test('the same file read twice gives its text; missing, null', () => {
  const r = new RecordsReader();
  assert.is(r.read(path), null);
  writeFileSync(path, '{"a":1}');
  assert.is(r.read(path), '{"a":1}');
  assert.is(r.read(path), '{"a":1}');
});

const settle = () => new Promise((r) => setTimeout(r, 150));

test('a file that has not changed for a while is kept, and read again once it changes', async () => {
  const r = new RecordsReader();
  writeFileSync(path, '{"k":1}');
  await settle();
  assert.is(r.read(path), '{"k":1}');
  assert.is(r.read(path), '{"k":1}');
  writeFileSync(path, '{"k":2}');
  assert.is(r.read(path), '{"k":2}');
});

test('a file of the same size renamed into place, as tnet writes records, is read again', () => {
  const r = new RecordsReader();
  writeFileSync(path, '{"a":1}');
  assert.is(r.read(path), '{"a":1}');
  writeFileSync(`${path}.tmp`, '{"a":2}');
  renameSync(`${path}.tmp`, path);
  assert.is(r.read(path), '{"a":2}');
});

test('a write in place of the same size is read again; so is a removal, and another path', () => {
  const r = new RecordsReader();
  writeFileSync(path, '{"a":1}');
  assert.is(r.read(path), '{"a":1}');
  writeFileSync(path, '{"b":1}');
  assert.is(r.read(path), '{"b":1}');
  rmSync(path);
  assert.is(r.read(path), null);
  writeFileSync(path, '{"c":1}');
  const other = join(dir, 'other.json');
  writeFileSync(other, '{"d":1}');
  assert.is(r.read(path), '{"c":1}');
  assert.is(r.read(other), '{"d":1}');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
