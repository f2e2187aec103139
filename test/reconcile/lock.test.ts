// The host lock without root: flock on a scratch file; a second taker is refused, waits, or finds it freed by death.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { acquireLock, describeHolder, parseHolder } from '../../src/reconcile/lock.js';

const t = suite('lock');
const scratch = () => join(mkdtempSync(join(tmpdir(), 'tnet-lock-')), 'run', 'lock');

t('a second taker is refused and told who holds it; release frees it', async () => {
  const path = scratch();
  const a = await acquireLock({ command: 'tnet watch -f net.yaml', path });
  assert.ok(a.ok);
  const b = await acquireLock({ command: 'tnet apply', path });
  assert.not.ok(b.ok);
  if (!b.ok) {
    assert.is(b.errors[0].code, 'locked');
    assert.match(b.errors[0].message, new RegExp(`pid ${process.pid} \\(tnet watch -f net.yaml\\)`));
  }
  if (a.ok) a.value.release();
  const c = await acquireLock({ command: 'tnet apply', path });
  assert.ok(c.ok);
  if (c.ok) c.value.release();
});

t('--wait blocks until the holder lets go', async () => {
  const path = scratch();
  const a = await acquireLock({ command: 'first', path });
  assert.ok(a.ok);
  let waitedFor: string | null = null;
  const b = acquireLock({ command: 'second', path, wait: true, onWait: (h) => (waitedFor = describeHolder(h)) });
  await new Promise((r) => setTimeout(r, 150));
  assert.match(String(waitedFor), /first/);
  if (a.ok) a.value.release();
  const got = await b;
  assert.ok(got.ok);
  if (got.ok) got.value.release();
});

t('a holder killed by -9 leaves no stale lock: the kernel drops it with its last descriptor', async () => {
  const path = scratch();
  const mod = resolve('dist/src/reconcile/lock.js');
  const holder = spawn(process.execPath, ['--input-type=module', '-e', `
    const { acquireLock } = await import(${JSON.stringify(mod)});
    const r = await acquireLock({ command: 'doomed', path: ${JSON.stringify(path)} });
    console.log(r.ok ? 'held' : 'refused');
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => holder.stdout!.once('data', () => r()));
  const refused = await acquireLock({ command: 'next', path });
  assert.not.ok(refused.ok, 'held while the holder lives');
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  const got = await acquireLock({ command: 'next', path });
  assert.ok(got.ok, 'free once the holder is dead, though its note is still in the file');
  if (got.ok) got.value.release();
});

t('the holder note: parsed when it is ours, ignored otherwise', () => {
  assert.equal(parseHolder('{"pid":12,"command":"tnet watch","since":"2026-01-01T00:00:00.000Z"}\n'), {
    pid: 12,
    command: 'tnet watch',
    since: '2026-01-01T00:00:00.000Z',
  });
  assert.is(parseHolder(''), null);
  assert.is(parseHolder('{"pid":"x"}'), null);
  assert.is(describeHolder(null), 'another tnet');
});

t.run();
