// What tnet watch asks of inotify, counted from the spec: its folder and files, /etc/netns and a folder per namespace.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inotifyFailure, watchNeeds } from '../../src/reconcile/watch-limits.js';
import { parseSources } from '../../src/spec/load.js';

const etcNetns = (): string[] => {
  try {
    return readdirSync('/etc/netns');
  } catch {
    return [];
  }
};

test('a folder spec: the folder, each spec file, /etc/netns, and a folder per container with a namespace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tnet-watch-limits-'));
  try {
    writeFileSync(join(dir, 'a.yaml'), '');
    writeFileSync(join(dir, 'b.yml'), '');
    writeFileSync(join(dir, '.a.yaml.swp'), '');
    writeFileSync(join(dir, 'README'), '');
    const text = `version: 1\ncontainers:\n${Array.from({ length: 50 }, (_, i) => `  zz-limits-${i}: {}\n`).join('')}  zz-limits-host: { network: host }\n`;
    const spec = parseSources([{ file: 'a.yaml', text }], 'q');
    assert.ok(spec.ok);
    if (!spec.ok) return;
    const folders = new Set([...etcNetns(), ...Array.from({ length: 50 }, (_, i) => `zz-limits-${i}`)]).size;
    assert.equal(watchNeeds(dir, spec.value), { watches: 1 + 2 + 1 + folders, instances: 1, folders });
    assert.is(watchNeeds(join(dir, 'a.yaml'), null).watches, 1 + 1 + 1 + etcNetns().length, 'a file: its folder and itself');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a watch inotify refuses is a host-limit error naming the sysctl; other failures are not', () => {
  const enospc = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
  const e = inotifyFailure('/etc/tnet', enospc);
  assert.is(e?.code, 'host-limit');
  assert.match(e!.message, 'watching /etc/tnet failed');
  assert.match(e!.hint!, 'fs.inotify.max_user_watches');
  assert.match(inotifyFailure('x', Object.assign(new Error('EMFILE'), { code: 'EMFILE' }))!.hint!, 'fs.inotify.max_user_instances');
  assert.is(inotifyFailure('x', Object.assign(new Error('gone'), { code: 'ENOENT' })), null);
});

test.run();
