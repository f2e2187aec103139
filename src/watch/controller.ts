// The watch loop: one reconcile at a time against the last good spec, re-read when it changes.

import { fail, internalError, TnetFailure, type Result, type TnetError } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import type { Outcome } from '../reconcile/reconcile.js';
import { renderErrors } from '../render/errors.js';
import { renderPlan, summary } from '../render/plan.js';
import { renderUndo, undoSummary } from '../render/undo.js';
import { renderWarning } from '../render/warnings.js';
import type { Logger } from './logger.js';
import { metricTrigger, type WatchMetrics } from './reconcile-stats.js';
import { traceAt } from '../util/trace.js';
import { DEBUG } from '../util/debug.js';
import { equalShared } from '../util/last-value.js';

/** Why a reconcile runs: the first one, an edit, SIGHUP, a kernel event, the periodic resync, or a retry. */
export type Trigger = 'start' | 'spec' | 'hup' | 'kernel' | 'resync' | 'retry';

/** A failed reconcile is retried after 1 s, then twice as long each time, up to a minute. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

export interface ControllerDeps {
  load(): Promise<Result<Spec>>;
  /**
   * deep: enter every namespace, also those a host veth seal vouches for (start and resync). warm: only the
   * spec changed since the last reconcile, so the host side it left may be reused. applied: `spec` is the one
   * the last reconcile applied, and it succeeded (what that reconcile left may then vouch for the host).
   */
  reconcile(spec: Spec, deep: boolean, warm: boolean, applied: boolean): Promise<Outcome>;
  log: Logger;
  /** Whether the spec files are quiet (no edit waiting for its debounce): a resync then re-reads them too. */
  specSettled?: () => boolean;
  /** Kernel events arrived during a reconcile: they may be its echoes or real drift; one more look settles it. */
  eventsMissed?: () => void;
  /** `--metrics`: told of every spec read and every reconcile. */
  metrics?: WatchMetrics | null;
}

export class Controller {
  private spec: Spec | null = null;
  /** The spec of the last reconcile that succeeded, until one fails. */
  private applied: Spec | null = null;
  private pending = new Set<Trigger>();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private reconcilingNow = false;
  private eventsWhileReconciling = false;
  /** The last error text logged: a fault that persists is logged once, not on every resync. */
  private lastProblem = '';
  /** Failed reconciles in a row, and the retry they scheduled. */
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;
  constructor(private readonly deps: ControllerDeps) {}

  get current(): Spec | null {
    return this.spec;
  }

  /** Whether `spec` is the very spec the last reconcile applied, and it succeeded. */
  isApplied(spec: Spec): boolean {
    return spec === this.applied;
  }

  get reconciling(): boolean {
    return this.reconcilingNow;
  }

  /** Queues a reconcile; triggers that arrive while one runs are merged into the next. */
  request(trigger: Trigger): Promise<void> {
    // In backoff after a failure, kernel events wait for the retry (see kernelEvent).
    if (this.stopping || (trigger === 'kernel' && this.retry !== null)) return this.loop ?? Promise.resolve();
    this.pending.add(trigger);
    this.loop ??= this.drain().finally(() => (this.loop = null));
    return this.loop;
  }

  /**
   * A kernel event: whether to schedule a reconcile for it now. Events during a reconcile are mostly its own
   * echoes, but one may be drift it observed too early to see: they are held and answered by one debounced
   * look afterwards, which finds nothing to do when they were echoes (logged at debug only). Telling echoes
   * from drift by content would need a model of every side effect; one no-op observe is cheaper and never
   * misses drift. After a failed reconcile the retry scheduled looks instead: its rollback's own echoes must
   * not start the next attempt at once, which would fail again and again with no backoff.
   */
  kernelEvent(): boolean {
    if (this.stopping || this.retry !== null) return false;
    if (this.reconcilingNow) {
      this.eventsWhileReconciling = true;
      return false;
    }
    return true;
  }

  /** Lets the reconcile in flight finish, starts no other. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retry) clearTimeout(this.retry);
    this.pending.clear();
    await this.loop;
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.stopping) {
      const triggers = [...this.pending];
      this.pending.clear();
      await this.once(triggers);
    }
  }

  private async once(triggers: Trigger[]): Promise<void> {
    const why = triggers.join('+');
    // A resync reads the spec again too, catching an edit whose file event was lost (a network file system, a
    // swapped symlink, a full inotify queue); but not while an edit is settling, lest it read half a `git pull`.
    const settled = this.deps.specSettled?.() ?? true;
    const reread = triggers.some((t) => t === 'start' || t === 'spec' || t === 'hup' || (t === 'resync' && settled));
    if (reread || !this.spec) await this.reload(triggers);
    traceAt('loaded');
    if (!this.spec) return;
    const spec = this.spec;
    // Only edits, and their text gives back the spec applied last (a save without a change, the second event of
    // one write, an invalid edit): the host has not moved since either, or a kernel event would be among the
    // triggers or follow with its own, so a pass would find nothing to do. At ten thousand containers it would
    // also take the CPU for a second, from the next edit.
    if (triggers.every((t) => t === 'spec') && this.isApplied(spec)) {
      this.deps.log.debug('spec as last applied: nothing to do', { spec: spec.name, trigger: why });
      return;
    }
    this.reconcilingNow = true;
    this.eventsWhileReconciling = false;
    let r: Outcome;
    const started = performance.now();
    try {
      const deep = triggers.some((t) => t === 'start' || t === 'resync');
      r = await this.deps.reconcile(spec, deep, triggers.every((t) => t === 'spec' || t === 'hup'), this.isApplied(spec));
    } catch (e) {
      // A bug logs one line, as any other failure; the watch goes on and retries on the next trigger.
      r = e instanceof TnetFailure ? fail(...e.errors) : fail(internalError(e, DEBUG));
    } finally {
      this.reconcilingNow = false;
    }
    this.deps.metrics?.reconciled({
      trigger: metricTrigger(triggers),
      ok: r.ok,
      seconds: (performance.now() - started) / 1000,
      actions: r.ok ? r.value.actions : [],
      desired: r.ok ? r.value.desired : null,
      error: r.ok ? null : (r.errors[0]?.message ?? 'failed'),
    });
    if (r.ok && this.eventsWhileReconciling && !this.stopping) this.deps.eventsMissed?.();
    this.applied = r.ok ? spec : null;
    if (!r.ok) {
      const undo = 'undo' in r ? r.undo : null;
      const retry = `${this.scheduleRetry() / 1000}s`;
      // Events queued meanwhile are mostly the rollback's echoes: the retry looks instead.
      this.pending.delete('kernel');
      const message = `reconcile failed${undo ? ` (${undoSummary(undo)})` : ''}; will retry, and on the next change, event or resync`;
      const more = undo ? { undo: renderUndo(undo).trimEnd().split('\n').map((l) => l.trim()) } : {};
      this.problem(message, r.errors, { spec: spec.name, trigger: why, retry, ...more });
      return;
    }
    this.failures = 0;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.lastProblem = '';
    const { actions, ms } = r.value;
    if (actions.length === 0) {
      this.deps.log.debug('no changes', { spec: spec.name, trigger: why, ms: Math.round(ms) });
      return;
    }
    traceAt('applied');
    this.deps.log.info(`applied ${summary(actions, true)} in ${Math.round(ms)} ms`, {
      spec: spec.name,
      trigger: why,
      ms: Math.round(ms),
      actions: actions.length,
      detail: renderPlan(actions).split('\n').map((l) => l.trim()),
    });
    for (const w of r.value.warnings) this.deps.log.warn(renderWarning(w), { spec: spec.name });
  }

  /** Backs off: a host that keeps refusing is not hammered, and one that recovers is converged soon after. */
  private scheduleRetry(): number {
    const ms = Math.min(RETRY_FIRST_MS * 2 ** this.failures++, RETRY_MAX_MS);
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.request('retry');
    }, ms);
    this.retry.unref();
    return ms;
  }

  private async reload(triggers: Trigger[]): Promise<void> {
    const loaded = await this.deps.load();
    this.deps.metrics?.specLoaded(loaded.ok);
    if (!loaded.ok) {
      const keeping = this.spec ? `keeping spec '${this.spec.name}' as it was last applied` : 'nothing applied until a valid edit';
      // An edit or SIGHUP is always answered; a resync repeats the complaint only when it changed.
      const asked = triggers.some((t) => t === 'spec' || t === 'hup' || t === 'start');
      this.problem(`spec invalid, nothing changed; ${keeping}`, loaded.errors, {}, asked);
      return;
    }
    const before = this.spec;
    this.spec = loaded.value;
    if (before && before.name !== loaded.value.name) {
      this.deps.log.warn(`spec renamed from '${before.name}' to '${loaded.value.name}': what '${before.name}' created is left as is; remove it with tnet destroy -f SPEC --name ${before.name}`, { spec: loaded.value.name });
    }
    // Unchanged containers are the same objects (normalize.ts): the comparison skips them by identity.
    if (before && !equalShared(before, loaded.value)) this.deps.log.info('spec changed', { spec: loaded.value.name });
  }

  private problem(message: string, errors: TnetError[], meta: Record<string, unknown>, always = false): void {
    const detail = renderErrors(errors);
    const key = `${message}\n${detail}`;
    const repeat = key === this.lastProblem && !always;
    this.lastProblem = key;
    const at = errors.flatMap((e) => (e.pos ? [`${e.pos.file}:${e.pos.line}:${e.pos.col}`] : []));
    const fields = { ...meta, ...(at.length ? { at: at.join(', ') } : {}), detail: detail.split('\n') };
    if (repeat) this.deps.log.debug(message, fields);
    else this.deps.log.error(message, fields);
  }
}
