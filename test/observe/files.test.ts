import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesReadAhead, NETNS_FILES, parseReadAll, readNetnsFiles } from '../../src/observe/files.js';

const record = (i: number, content: Buffer) => Buffer.concat([Buffer.from(`${i} ${content.length}\n`), content]);

test('parseReadAll: each file by its line number, as UTF-8 text, newlines and spaces inside kept', () => {
  const paths = ['/a/hosts', '/a/resolv.conf', '/b/hosts'];
  const out = Buffer.concat([record(0, Buffer.from('# tnet:q/files/a\n127.0.0.1 a b\n')), record(2, Buffer.from('café \u00ff\n'))]);
  assert.equal(parseReadAll(out, paths), { '/a/hosts': '# tnet:q/files/a\n127.0.0.1 a b\n', '/b/hosts': 'café \u00ff\n' });
});

test('parseReadAll: bytes that are no UTF-8 read as readFileSync reads them; an empty file is empty text', () => {
  const bad = Buffer.from([0x61, 0xff, 0x0a]);
  assert.equal(parseReadAll(Buffer.concat([record(0, bad), record(1, Buffer.alloc(0))]), ['/x', '/y']), { '/x': bad.toString('utf8'), '/y': '' });
});

test('parseReadAll: output cut short, or naming a line not asked for, is refused', () => {
  assert.is(parseReadAll(Buffer.from('0 10\nshort'), ['/x']), null);
  assert.is(parseReadAll(Buffer.from('3 1\nx'), ['/x']), null);
  assert.is(parseReadAll(Buffer.from('garbage'), ['/x']), null);
  assert.equal(parseReadAll(Buffer.alloc(0), ['/x']), {});
});

test('filesReadAhead: the same answer as readNetnsFiles (folders without files, a folder where a file should be), once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tnet-files-'));
  try {
    for (const n of ['c1', 'c0', 'c2']) mkdirSync(join(root, n));
    writeFileSync(join(root, 'c0', 'hosts'), '# tnet:q/files/c0\n127.0.0.1\tlocalhost\n');
    writeFileSync(join(root, 'c0', 'resolv.conf'), '');
    writeFileSync(join(root, 'c1', 'resolv.conf'), Buffer.from([0x6e, 0xe9, 0x0a]));
    mkdirSync(join(root, 'c2', 'hosts'));
    const reader = filesReadAhead(root, NETNS_FILES);
    assert.equal(await reader.read(root, NETNS_FILES), readNetnsFiles(root, NETNS_FILES));
    assert.is(await reader.read(root, NETNS_FILES).then(() => 'read again', () => 'handed back'), 'handed back');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('filesReadAhead: a folder that cannot be read has no files', async () => {
  const reader = filesReadAhead('/nonexistent/tnet', NETNS_FILES);
  assert.equal(await reader.read('/nonexistent/tnet', NETNS_FILES), { dirs: [], files: {} });
});

test.run();
