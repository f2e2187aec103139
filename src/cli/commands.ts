// apply, plan, destroy and validate: load the spec, reconcile, print the plan and its outcome.

import type { Args } from './args.js';
import { renderErrors } from '../render/errors.js';
import { renderPlan, summary } from '../render/plan.js';
import { loadSpec } from '../spec/load.js';
import { checkedSpecs, type CheckedSpecs } from '../spec/checked-store.js';
import type { Spec } from '../model/spec.js';
import { EXIT, exitCodeOf, stageOf, type TnetError, type UndoReport } from '../model/errors.js';
import { reconcile } from '../reconcile/reconcile.js';
import { renderUndo } from '../render/undo.js';
import { renderWarning } from '../render/warnings.js';
import { awaitConfirmation, settlePendingForCommand } from './confirm.js';
import { parseDuration } from '../watch/duration.js';
import { lockForCommand } from './lock.js';
import { terminalProgress } from './progress.js';
import { newlyChosen } from '../inspect/ports.js';
import { renderChosen } from '../render/inspect.js';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { PhaseListener } from './progress.js';
import { acquireLock, type Lock } from '../reconcile/lock.js';
import { rollingPath } from '../reconcile/pending.js';
import { Session } from '../reconcile/session.js';
import { observeKernel, type KernelView } from '../observe/observe.js';
import { ETC_NETNS, PENDING_PATH } from '../ownership/paths.js';
import { filesReadAhead, NETNS_FILES } from '../observe/files.js';

const out = (s: string) => process.stdout.write(`${s}\n`);

/** `checked`: take a spec checked before from the same text (spec/checked-store.ts): commands that act on the host. */
export async function loadFromArgs(args: Args, checked: CheckedSpecs | null = null): Promise<Spec | number> {
  const file = args.flags.file;
  if (typeof file !== 'string') {
    process.stderr.write(`tnet ${args.command}: -f FILE|DIR|- is required\n`);
    return EXIT.usage;
  }
  const name = typeof args.flags.name === 'string' ? args.flags.name : undefined;
  const host = typeof args.flags.host === 'string' ? args.flags.host : undefined;
  const spec = await loadSpec(file, { name, host, checked });
  if (!spec.ok) return reportInvalid(spec.errors);
  return spec.value;
}

export function reportInvalid(errors: TnetError[]): number {
  process.stderr.write(`${renderErrors(errors)}\n\nnothing was changed.\n`);
  return exitCodeOf(errors);
}

export async function validateCommand(args: Args): Promise<number> {
  const spec = await loadFromArgs(args);
  if (typeof spec === 'number') return spec;
  const n = Object.keys(spec.containers).length;
  out(`spec '${spec.name}' is valid: ${Object.keys(spec.bridges).length} bridge(s), ${n} container(s).`);
  return EXIT.ok;
}

export async function planCommand(args: Args): Promise<number> {
  return run(args, { dryRun: true, verb: 'plan', deep: Boolean(args.flags.deep) });
}

export async function applyCommand(args: Args): Promise<number> {
  return run(args, { dryRun: Boolean(args.flags['dry-run']), verb: 'apply', deep: Boolean(args.flags.deep) });
}

export async function destroyCommand(args: Args): Promise<number> {
  return run(args, { dryRun: Boolean(args.flags['dry-run']), verb: 'destroy', destroy: true });
}

interface RunOptions {
  dryRun: boolean;
  verb: string;
  destroy?: boolean;
  deep?: boolean;
}

async function run(args: Args, o: RunOptions): Promise<number> {
  const confirm = args.flags.confirm;
  if (confirm !== undefined && (typeof confirm !== 'string' || !parseDuration(confirm))) {
    process.stderr.write(`tnet ${args.command}: --confirm ${String(confirm)}: not a duration (e.g. 30s, 2m)\n`);
    return EXIT.usage;
  }
  const ahead = o.dryRun ? readAhead(null) : await lockedAhead(args);
  const spec = await loadFromArgs(args, checkedSpecs());
  if (typeof spec === 'number') {
    ahead?.lock?.release();
    return spec;
  }
  // Only what changes the host takes the lock: a dry run reads, and reading needs no turn.
  const lock = ahead ? ahead.lock : o.dryRun ? null : await lockForCommand(args);
  if (typeof lock === 'number') return lock;
  try {
    // Taken ahead, the lock found no apply waiting for confirmation: nothing to settle.
    const waiting = lock && !ahead ? await settlePendingForCommand() : null;
    if (waiting !== null) return waiting;
    return await report(args, spec, o, ahead);
  } finally {
    lock?.release();
  }
}

/**
 * The host's reads that need no spec, started before the spec is read: its links and namespaces, the rules
 * (read while the firewall backend is detected) and the files under /etc/netns. They run in their processes
 * on the other core while this one parses and checks the spec; a spec that turns out invalid drops them unread.
 */
interface Ahead {
  lock: Lock | null;
  session: Session;
  kernel: Promise<KernelView>;
}

function readAhead(lock: Lock | null): Ahead {
  const session = new Session({ files: filesReadAhead(ETC_NETNS, NETNS_FILES), rememberDesire: false });
  session.firewall.detectAhead();
  const kernel = observeKernel();
  kernel.catch(() => undefined);
  return { lock, session, kernel };
}

/**
 * What changes the host reads it only once it holds the lock, else another tnet could change what it read.
 * So the lock is taken first when it is free and no apply awaits confirmation (settling one may roll it
 * back, which a spec that turns out invalid must not cause); otherwise the spec is read first, as ever, and
 * the lock taken, waited for or refused after it.
 */
async function lockedAhead(args: Args): Promise<Ahead | null> {
  if (pendingRecorded()) return null;
  const file = typeof args.flags.file === 'string' ? ` -f ${args.flags.file}` : '';
  const lock = await acquireLock({ command: `tnet ${args.command}${file}` });
  if (!lock.ok) return null;
  // Recorded in the moment between the check and the lock: settled after the spec is read, as ever.
  if (pendingRecorded()) {
    lock.value.release();
    return null;
  }
  return readAhead(lock.value);
}

const pendingRecorded = (): boolean => existsSync(PENDING_PATH) || existsSync(rollingPath(PENDING_PATH));

async function report(args: Args, spec: Spec, o: RunOptions, ahead: Ahead | null): Promise<number> {
  const keep = Boolean(args.flags['no-rollback']);
  const confirmMs = typeof args.flags.confirm === 'string' ? parseDuration(args.flags.confirm) : null;
  const progress = terminalProgress(process.stderr, o.verb);
  const opts = { dryRun: o.dryRun, destroy: o.destroy, deep: o.deep, keep, progress: optimizingWhenApplying(progress?.phase), prefetched: ahead?.kernel ?? null };
  const r = await reconcile(spec, opts, ahead?.session).finally(() => progress?.end());
  if (!r.ok) return failed(r.errors, o.dryRun, 'undo' in r ? r.undo : null);
  const { actions } = r.value;
  if (actions.length === 0) {
    out(`No changes: the host matches spec '${spec.name}'.`);
    return EXIT.ok;
  }
  out(`${o.dryRun ? 'Plan' : o.verb === 'destroy' ? 'Destroying' : 'Applying'} spec '${spec.name}':`);
  out(renderPlan(actions));
  if (o.dryRun) {
    out(`\nPlan: ${summary(actions)}.`);
    return args.flags['exit-code'] ? EXIT.differs : EXIT.ok;
  }
  out(`\n${o.verb === 'destroy' ? 'Destroy' : 'Apply'} complete: ${summary(actions, true)} (${Math.round(r.value.ms)} ms).`);
  // The host ports tnet picked itself appear nowhere else but in the rules: said here, once, when chosen.
  if (!o.destroy) for (const c of newlyChosen(spec, r.value.desired, r.value.observed.firewall)) out(renderChosen(c));
  for (const w of r.value.warnings) process.stderr.write(`warning: ${renderWarning(w)}\n`);
  return confirmMs === null ? EXIT.ok : awaitConfirmation(spec, actions, r.value.observed, confirmMs);
}

/**
 * One-shot commands start without V8's optimizing compiler (main.ts): a no-op is over before it would pay.
 * An apply that changes the host runs for seconds to minutes, mostly in loops over every object: it is
 * turned back on as the first step with actions starts.
 */
function optimizingWhenApplying(inner: PhaseListener | undefined): PhaseListener {
  let on = false;
  return (phase, actions) => {
    if (actions > 0 && !on) {
      on = true;
      setFlagsFromString('--opt');
    }
    inner?.(phase, actions);
  };
}

function failed(errors: TnetError[], dryRun: boolean, undo: UndoReport | null): number {
  process.stderr.write(`${renderErrors(errors)}\n\n${undo ? renderUndo(undo) : afterword(errors, dryRun)}`);
  return exitCodeOf(errors);
}

/** Without an undo report: a failure before applying changed nothing; one while applying says so. */
function afterword(errors: TnetError[], dryRun: boolean): string {
  if (errors.some((e) => stageOf(e) === 'actuate')) return 'applying failed, and what it changed could not be told: run tnet plan to see the host.\n';
  return dryRun ? '' : 'nothing was changed.\n';
}
