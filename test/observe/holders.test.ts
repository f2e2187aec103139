// Who is inside a namespace: /proc's numbered entries, matched by the identity of their ns/net.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsHolders, pidsIn } from '../../src/observe/holders.js';

/** A /proc of plain files: `ns/net` of each pid is a file of its own, or a hard link to another pid's. */
function fakeProc(procs: Record<string, { comm?: string; ns?: boolean }>): { dir: string; id: (pid: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'tnet-proc-'));
  for (const [pid, p] of Object.entries(procs)) {
    mkdirSync(join(dir, pid, 'ns'), { recursive: true });
    if (p.comm !== undefined) writeFileSync(join(dir, pid, 'comm'), `${p.comm}\n`);
    if (p.ns !== false) writeFileSync(join(dir, pid, 'ns', 'net'), '');
  }
  return { dir, id: (pid) => { const s = statSync(join(dir, pid, 'ns', 'net')); return `${s.dev}:${s.ino}`; } };
}

test('numbered entries only, lowest first', () => {
  const { dir } = fakeProc({ '10': {}, '9': {}, self: {}, '100': {} });
  try {
    assert.equal(pidsIn(dir), [9, 10, 100]);
    assert.equal(pidsIn(join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('each namespace with the processes inside it; a process gone or unreadable names no one', () => {
  const { dir, id } = fakeProc({ '42': { comm: 'sleep' }, '7': { comm: 'nginx' }, '8': { comm: 'other' }, '9': { ns: false } });
  try {
    const ids = new Map([[id('42'), 'c1'], [id('7'), 'c2'], ['1:1', 'c3']]);
    assert.equal([...netnsHolders(ids, dir)], [
      ['c2', [{ pid: 7, comm: 'nginx' }]],
      ['c1', [{ pid: 42, comm: 'sleep' }]],
    ]);
    assert.equal(netnsHolders(new Map(), dir).size, 0);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a process whose name cannot be read is still named by its pid', () => {
  const { dir, id } = fakeProc({ '5': {} });
  try {
    assert.equal(netnsHolders(new Map([[id('5'), 'c1']]), dir).get('c1'), [{ pid: 5, comm: '?' }]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test.run();
