// `--confirm`: an apply that rolls back unless confirmed in time (`tnet confirm`, or Enter on its terminal).

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import type { Args } from './args.js';
import type { Action } from '../model/action.js';
import { EXIT, exitCodeOf, tnetError, type TnetError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Spec } from '../model/spec.js';
import { claimPending, readPending, recordPending, rollBack, rollingPath, settlePending, type PendingConfirm, type RolledBack } from '../reconcile/pending.js';
import { acquireLock } from '../reconcile/lock.js';
import { renderErrors } from '../render/errors.js';
import { renderUndo } from '../render/undo.js';
import { PENDING_PATH, RUN_DIR } from '../ownership/paths.js';

const say = (line: string) => process.stderr.write(`${line}\n`);
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * After an apply that changed something: recorded first (so a watchdog process, started next, rolls it back
 * even if this one is killed), then waited for, holding the lock, until confirmed or due.
 */
export async function awaitConfirmation(spec: Spec, applied: Action[], before: ObservedState, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  recordPending({ spec, deadline, pid: process.pid, applied, before });
  startWatchdog();
  const enter = process.stdin.isTTY ? ' or press Enter here' : '';
  say(`Waiting for confirmation: run \`tnet confirm\`${enter} before ${clock(deadline)} (UTC), or the changes are rolled back.`);
  const confirmed = await confirmedBefore(deadline);
  if (confirmed) {
    say('Confirmed: the changes stay.');
    return EXIT.ok;
  }
  const p = claimPending(true);
  if (!p) {
    say('Confirmed: the changes stay.');
    return EXIT.ok;
  }
  report(await rollBack(p, `not confirmed within ${Math.round(ms / 1000)} s`));
  return EXIT.failed;
}

/** True once the record is gone (`tnet confirm` took it) or Enter is pressed; false at the deadline. */
function confirmedBefore(deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearInterval(timer);
      process.stdin.off('data', onLine);
      process.stdin.pause();
      resolve(v);
    };
    const onLine = () => done(claimPending(false) !== null);
    if (process.stdin.isTTY) process.stdin.on('data', onLine).resume();
    const timer = setInterval(() => {
      if (!existsSync(PENDING_PATH)) done(true);
      else if (Date.now() >= deadline) done(false);
    }, 100);
  });
}

function report(r: RolledBack): void {
  const error = tnetError('unconfirmed', `${r.why}: spec '${r.spec}' rolled back`, { hint: 'apply again with a longer --confirm, and confirm it with `tnet confirm`' });
  process.stderr.write(`${renderErrors([error])}\n\n${renderUndo(r.undo)}`);
}

/**
 * A process of its own, outliving a killed apply: sleeps until the deadline, then rolls back if still due.
 * What it says goes to a log beside the record, for whoever wonders what happened to the changes.
 */
function startWatchdog(): void {
  mkdirSync(RUN_DIR, { recursive: true });
  const log = openSync(`${RUN_DIR}/confirm-watchdog.log`, 'a');
  const child = spawn(process.execPath, [process.argv[1], 'confirm', '--watchdog'], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
}

/** `tnet confirm`: keeps what the waiting apply changed. `--watchdog`: the rollback's keeper (internal). */
export async function confirmCommand(args: Args): Promise<number> {
  if (args.flags.watchdog) return watchdog();
  if (claimPending(false)) {
    say('tnet confirm: confirmed; the changes stay.');
    return EXIT.ok;
  }
  const late = existsSync(rollingPath());
  say(`tnet confirm: ${late ? 'too late: the rollback is under way' : 'no apply is waiting for confirmation'}.`);
  return EXIT.failed;
}

async function watchdog(): Promise<number> {
  for (;;) {
    const p = readPending();
    if (!p) return EXIT.ok;
    if (Date.now() >= p.deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(1000, p.deadline - Date.now())));
  }
  // After the waiting apply, if it still runs and rolls back itself: then there is nothing left to do.
  const lock = await acquireLock({ command: 'tnet confirm --watchdog', wait: true });
  if (!lock.ok) return EXIT.failed;
  try {
    return (await settlePendingForCommand()) ?? EXIT.ok;
  } finally {
    lock.value.release();
  }
}

/**
 * Run with the lock held, before anything else changes the host: rollbacks due are carried out and said;
 * an exit code when an apply still waits for confirmation, and nothing may go on.
 */
export async function settlePendingForCommand(): Promise<number | null> {
  const settled = await settlePending();
  settled.rolledBack.forEach(report);
  return settled.waiting ? refuse(settled.waiting) : null;
}

function refuse(p: PendingConfirm): number {
  const errors: TnetError[] = [
    tnetError('pending', `an apply of spec '${p.spec.name}' (pid ${p.pid}) waits for confirmation until ${clock(p.deadline)} (UTC)`, {
      hint: 'run `tnet confirm` to keep it, or wait: it is rolled back then',
    }),
  ];
  process.stderr.write(`${renderErrors(errors)}\n`);
  return exitCodeOf(errors);
}
