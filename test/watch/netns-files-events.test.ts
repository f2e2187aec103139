// The /etc/netns watcher reports writes in any namespace's folder, follows folders as they come and go.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchNetnsFiles } from '../../src/watch/netns-files-events.js';

/** Resolves when `count()` has grown past `from`, or fails after a second. */
async function grew(count: () => number, from: number, what: string): Promise<void> {
  const until = Date.now() + 1000;
  while (count() <= from) {
    if (Date.now() > until) assert.unreachable(`no event for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test('writes in a watched folder, a new folder and writes in it, a removal: each reported', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tnet-netns-'));
  mkdirSync(join(root, 'c1'));
  let events = 0;
  const w = watchNetnsFiles(root, () => events++);
  try {
    assert.ok(w.sync(), 'the root and c1 watched');
    let n = events;
    writeFileSync(join(root, 'c1', 'hosts'), '127.0.0.1 localhost\n');
    await grew(() => events, n, 'a write in c1');

    // As tnet writes a new namespace's files: a staging folder renamed into place.
    await settle();
    n = events;
    mkdirSync(join(root, '.c2.tmp'));
    writeFileSync(join(root, '.c2.tmp', 'hosts'), 'x\n');
    renameSync(join(root, '.c2.tmp'), join(root, 'c2'));
    await grew(() => events, n, 'c2 created');
    await settle();
    assert.ok(w.sync(), 'c2 watched too');
    n = events;
    writeFileSync(join(root, 'c2', 'resolv.conf'), 'nameserver 192.0.2.53\n');
    await grew(() => events, n, 'a write in c2');

    await settle();
    n = events;
    rmSync(join(root, 'c1'), { recursive: true });
    await grew(() => events, n, 'c1 removed');
    await settle();
    assert.ok(w.sync(), 'still whole after c1 went');
  } finally {
    w.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a root that does not exist cannot be vouched for', () => {
  const w = watchNetnsFiles(join(tmpdir(), 'tnet-no-such-dir-x9'), () => undefined);
  assert.not.ok(w.sync());
  w.close();
});

test.run();
