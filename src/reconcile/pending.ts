// An apply awaiting `tnet confirm`: recorded under /run/tnet so that its rollback happens even if tnet is killed.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Action } from '../model/action.js';
import type { ObservedState } from '../model/observed.js';
import type { Spec } from '../model/spec.js';
import { PENDING_PATH } from '../ownership/paths.js';
import type { UndoReport } from '../model/errors.js';
import { rollBackApplied } from './rollback.js';
import { Session } from './session.js';

/**
 * Everything the rollback needs, with no process of the apply's left: the spec (for which rules and switches
 * to read), what was applied, and the observation it was planned on, from which the undo is computed.
 */
export interface PendingConfirm {
  spec: Spec;
  /** When the rollback is due, in ms since the epoch. */
  deadline: number;
  /** The apply waiting for confirmation. */
  pid: number;
  applied: Action[];
  before: ObservedState;
}

/** Written whole and renamed into place: a reader never sees half a record. */
export function recordPending(p: PendingConfirm, path = PENDING_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.new`, JSON.stringify(p));
  renameSync(`${path}.new`, path);
}

export function readPending(path = PENDING_PATH): PendingConfirm | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PendingConfirm;
  } catch {
    return null;
  }
}

/** Where a record being rolled back waits until its rollback is done: a rollback cut short is resumed. */
export const rollingPath = (path = PENDING_PATH): string => `${path}.rolling`;

/**
 * Takes the record for whoever acts on it, `tnet confirm` or a rollback: one rename, so of the two racing
 * exactly one wins. null when it was taken already. A rollback's claim stays under rollingPath until
 * finishRollback: a tnet killed in the middle of it leaves the record for the next one to finish.
 */
export function claimPending(forRollback: boolean, path = PENDING_PATH): PendingConfirm | null {
  const claimed = forRollback ? rollingPath(path) : `${path}.${process.pid}`;
  try {
    renameSync(path, claimed);
  } catch {
    return null;
  }
  const p = readPending(claimed);
  if (!forRollback) rmSync(claimed, { force: true });
  return p;
}

export function finishRollback(path = PENDING_PATH): void {
  rmSync(rollingPath(path), { force: true });
}

/** A rollback of an unconfirmed apply, done: what it was for and what it left. */
export interface RolledBack {
  spec: string;
  why: string;
  undo: UndoReport;
}

/** What settling found: rollbacks it carried out, and an apply still waiting for confirmation, if any. */
export interface Settled {
  rolledBack: RolledBack[];
  waiting: PendingConfirm | null;
}

/**
 * Run with the lock held, before anything else changes the host: finishes a rollback cut short, rolls back
 * an apply whose confirmation is overdue, and says whether one still waits (then nothing may go on).
 */
export async function settlePending(path = PENDING_PATH): Promise<Settled> {
  const out: Settled = { rolledBack: [], waiting: null };
  const rolling = readPending(rollingPath(path));
  if (rolling) out.rolledBack.push(await rollBack(rolling, 'a rollback was cut short; finished now', path));
  const p = readPending(path);
  if (!p) return out;
  if (Date.now() < p.deadline) return { ...out, waiting: p };
  const claimed = claimPending(true, path);
  if (claimed) out.rolledBack.push(await rollBack(claimed, 'not confirmed in time', path));
  return out;
}

/** Rolls back a claimed record and lets it go. */
export async function rollBack(p: PendingConfirm, why: string, path = PENDING_PATH): Promise<RolledBack> {
  const undo = await rollBackApplied(p, new Session());
  finishRollback(path);
  return { spec: p.spec.name, why, undo };
}
