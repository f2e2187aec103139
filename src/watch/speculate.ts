// Plans an edit while it settles, so that the debounce's wait is spent reading the host and planning.

import type { Result } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import type { EarlyObservation, Planned } from '../reconcile/reconcile.js';
import { traceAt } from '../util/trace.js';

export interface SpeculatorDeps {
  /** The watch's loader: the same text gives back the same Spec object. */
  load(): Promise<Result<Spec>>;
  /** Starts reading the host side for the spec applied last; null before there is one. */
  observe(): Promise<EarlyObservation> | null;
  plan(spec: Spec, early: EarlyObservation | null): Promise<Result<Planned>>;
  /** Whether the controller will not reconcile for `spec` (the one it applied last): nothing to plan then. */
  idle?(spec: Spec): boolean;
}

interface Run {
  epoch: number;
  spec: Promise<Result<Spec>>;
  planned: Promise<Planned | null>;
}

/**
 * Each edit starts a dry run at once: read the spec, observe, plan. When the debounce ends, the controller
 * loads the spec again and takes the plan only if it was made for that very Spec and nothing happened on the
 * host since it began (no kernel event, no reconcile): the plan then equals what a fresh reconcile would make.
 * Anything else discards it and the controller reconciles as usual, so a guess costs time, never correctness.
 * Runs never overlap: an edit during one queues one more run after it.
 */
export class Speculator {
  private epoch = 0;
  private run: Run | null = null;
  private busy = false;
  private again = false;

  constructor(private readonly deps: SpeculatorDeps) {}

  /** An edit arrived. */
  start(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    const epoch = this.epoch;
    // The host first: iptables-save takes longest, and runs in its own process while the spec is read.
    // A failed early read is no reason to fail: the plan then reads for itself.
    const early = this.deps.observe()?.catch(() => null) ?? null;
    const spec = this.deps.load();
    const planned = spec
      .then(async (s) => {
        traceAt('edit read ahead');
        return s.ok && !this.deps.idle?.(s.value) ? this.deps.plan(s.value, await early) : null;
      })
      .then((p) => (p?.ok ? p.value : null))
      .catch(() => null);
    this.run = { epoch, spec, planned };
    void planned.finally(() => this.finish());
  }

  /** A run is over: the edit that came meanwhile, if any, starts its own. */
  private finish(): void {
    this.busy = false;
    if (this.again) {
      this.again = false;
      this.start();
    }
  }

  /**
   * A dry pass for the spec just applied, while nothing else plans: the first edits after start otherwise
   * each filled what warm passes keep (the namespaces as one finds them) and ran code V8 had not optimised
   * yet, at 10,000 containers 0.3-0.7 s where later edits take 0.2 s. Its plan is dropped; an edit meanwhile
   * waits for the pass in flight, as for any run, and the rest is skipped.
   */
  warm(spec: Spec, after: () => void = () => {}): void {
    if (this.busy) return;
    this.busy = true;
    const epoch = this.epoch;
    // Twice: V8 optimises a function after it ran hot, and most of a pass is one walk per stage. `after`
    // each (a garbage collection): the peak memory stays that of one pass.
    // An edit that came meanwhile (queued as `again`) is not kept waiting for more than the pass in flight.
    const pass = async () => {
      if (this.epoch !== epoch || this.again) return;
      await this.deps.plan(spec, null).catch(() => null);
      if (!this.again) after();
    };
    void pass().then(pass).finally(() => this.finish());
  }

  /** The host changed, or is about to (kernel event, reconcile): plans made so far no longer hold. */
  invalidate(): void {
    this.epoch++;
    this.run = null;
  }

  /** The plan made for exactly `spec` with nothing changed since, or null. */
  async take(spec: Spec): Promise<Planned | null> {
    const run = this.run;
    if (!run || run.epoch !== this.epoch) return null;
    const s = await run.spec.catch(() => null);
    if (!s?.ok || s.value !== spec) return null;
    const planned = await run.planned;
    return run.epoch === this.epoch ? planned : null;
  }
}
