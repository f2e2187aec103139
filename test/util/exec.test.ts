import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { run, runAhead, runRaised } from '../../src/util/exec.js';

// The child reads its input before it looks at its own nice level (field 19 of /proc/PID/stat): run() gives
// the priority before the input, so what it prints is the priority it works at.
const NICE = 'read x; cut -d" " -f19 /proc/$$/stat';

/** Whether this process may raise a priority: CAP_SYS_NICE (bit 23) in its effective capabilities. */
function mayRaise(): boolean {
  const hex = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return ((BigInt(`0x${hex}`) >> 23n) & 1n) === 1n;
}

/** What a process that runs ahead gets: ten levels below this one when it may, floored at -20; unchanged otherwise. */
const expected = () => (mayRaise() ? Math.max(-20, getPriority() - 10) : getPriority());

test('run with ahead: the process works at a higher priority than tnet (with CAP_SYS_NICE), before it reads its input', async () => {
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

test('runAhead: a process gone or never started is left alone, without an error', () => {
  assert.not.throws(() => runAhead(undefined));
  // A pid far above pid_max: ESRCH, swallowed.
  assert.not.throws(() => runAhead(2 ** 30));
});

test.run();
