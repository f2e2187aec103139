// One tnet at a time per host: flock(2) on /run/tnet/lock, which the kernel releases when its holder dies.

// Why flock and not an O_EXCL pid file: a pid file needs a staleness rule (is that pid alive, and is it still
// tnet?), and taking over a stale file races between two newcomers. A flock belongs to an open file description:
// the kernel drops it when the last descriptor closes, so a tnet killed by -9 or the OOM killer leaves nothing
// to clean up, and there is no takeover to race. Node cannot call flock(2), so util-linux's `flock` locks a
// descriptor it inherits from us and exits: the lock stays with our descriptor, which Node opened close-on-exec,
// so no `ip` or `iptables` child keeps it alive after we are gone. The file's content only names the holder,
// for the message a second tnet prints; it is never trusted for the locking itself.

import { spawn } from 'node:child_process';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail, ok, tnetError, type Result } from '../model/errors.js';

/** Under /run: a reboot or a test sandbox's private /run starts with no lock at all. */
export const LOCK_PATH = '/run/tnet/lock';

export interface LockHolder {
  pid: number;
  command: string;
  since: string;
}

export interface Lock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  /** What this tnet is doing, shown to the next one that finds the lock taken. */
  command: string;
  /** Block until the holder lets go instead of failing at once. */
  wait?: boolean;
  path?: string;
  /** Called once when `wait` is set and the lock is taken, with who holds it. */
  onWait?: (holder: LockHolder | null) => void;
}

/** flock's exit code when -n finds the lock taken: distinct from its own failures (1). */
const CONFLICT = 75;

export async function acquireLock(opts: LockOptions): Promise<Result<Lock>> {
  const path = opts.path ?? LOCK_PATH;
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (e) {
    return fail(tnetError('lock-io', `cannot open the lock ${path}: ${(e as Error).message}`));
  }
  let code = await flock(fd, false);
  if (code === CONFLICT && opts.wait) {
    opts.onWait?.(readHolder(path));
    code = await flock(fd, true);
  }
  if (code !== 0) {
    closeSync(fd);
    if (code === CONFLICT) return fail(lockedError(path, readHolder(path)));
    return fail(tnetError('lock-io', `cannot lock ${path}: flock exited with ${code}`, { hint: 'tnet needs flock from util-linux' }));
  }
  const holder: LockHolder = { pid: process.pid, command: opts.command, since: new Date().toISOString() };
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${JSON.stringify(holder)}\n`, 0);
  } catch {
    // The note is a courtesy to the next tnet; the lock is held either way.
  }
  let held = true;
  return ok({
    path,
    release() {
      if (!held) return;
      held = false;
      closeSync(fd); // closing our last descriptor is the unlock
    },
  });
}

/** Runs `flock [-n] -E 75 3` with our descriptor as its fd 3: the lock lands on the description we share. */
function flock(fd: number, block: boolean): Promise<number> {
  const args = [...(block ? [] : ['-n']), '-E', String(CONFLICT), '3'];
  return new Promise((resolve) => {
    const child = spawn('flock', args, { stdio: ['ignore', 'ignore', 'ignore', fd] });
    child.once('error', () => resolve(-1));
    child.once('exit', (c) => resolve(c ?? -1));
  });
}

export function readHolder(path: string): LockHolder | null {
  try {
    return parseHolder(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** The holder's note, or null when it is empty or not ours (written by an older tnet, or half-written). */
export function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== 'number' || typeof v.command !== 'string') return null;
    return { pid: v.pid, command: v.command, since: typeof v.since === 'string' ? v.since : '?' };
  } catch {
    return null;
  }
}

export function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} (${h.command}), since ${h.since}` : 'another tnet';
}

function lockedError(path: string, holder: LockHolder | null) {
  return tnetError('locked', `another tnet is running on this host: ${describeHolder(holder)} holds ${path}`, {
    hint: 'wait for it with --wait, or stop it first (a tnet watch holds the lock for as long as it runs)',
  });
}
