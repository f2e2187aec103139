import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getPriority } from 'node:os';
import { run, runAhead, runRaised } from '../../src/util/exec.js';

// The child reads its input before it looks at its own nice level (field 19 of /proc/PID/stat): run() gives
// the priority before the input, so what it prints is the priority it works at.
const NICE = 'read x; cut -d" " -f19 /proc/$$/stat';

/** What a process that runs ahead gets: ten levels below this one as root, floored at -20; unchanged otherwise. */
const expected = () => (process.getuid?.() === 0 ? Math.max(-20, getPriority() - 10) : getPriority());

test('run with ahead: the process works at a higher priority than tnet (as root), from its first instruction on', async () => {
  const r = await run('sh', ['-c', NICE], 'go\n', { ahead: true });
  assert.is(r.code, 0, r.stderr);
  assert.is(Number(r.stdout.trim()), expected());
});

test('run without ahead: the process keeps the priority tnet has', async () => {
  const r = await run('sh', ['-c', NICE], 'go\n');
  assert.is(Number(r.stdout.trim()), getPriority());
});

test('runRaised with ahead: the priority given to the shell is the program it becomes', async () => {
  const r = await runRaised('sh', ['-c', NICE], 'go\n', { ahead: true });
  assert.is(r.code, 0, r.stderr);
  assert.is(Number(r.stdout.trim()), expected());
});

test('runAhead: a process gone or never started is left alone, without an error', async () => {
  const r = await run('true', []);
  assert.is(r.code, 0);
  runAhead(undefined);
  // A pid far above pid_max: ESRCH, swallowed.
  runAhead(2 ** 30);
});

test.run();
