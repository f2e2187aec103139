// The watch's Prometheus metrics (prom-client), in a registry of their own, and /healthz's answer.
// Loaded only by `tnet watch --metrics`, through a dynamic import: one-shot commands never load prom-client.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DRIFT_KINDS, METRIC_TRIGGERS, OWNED_KINDS, ownedObjects, repairedDrift, type ReconcileRecord, type WatchMetrics } from './reconcile-stats.js';

/** From a no-op on a small host (~10 ms) to a first apply of thousands of containers (tens of seconds). */
const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Health {
  ok: boolean;
  /** One line: why it answers as it does. */
  text: string;
}

export class PromMetrics implements WatchMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'trigger' | 'result'>;
  private readonly duration: Histogram;
  private readonly actions: Counter<'op'>;
  private readonly drift: Counter<'kind'>;
  private readonly owned: Gauge<'kind'>;
  private readonly specValid: Gauge;
  private readonly lastSuccess: Gauge;
  private last: { ok: boolean; at: number; error: string | null } | null = null;
  private valid: boolean | null = null;
  private readonly now: () => number;

  /** `processMetrics`: prom-client's process_* and nodejs_* too (the watch's; tests leave them out). */
  constructor(opts: { processMetrics: boolean; now?: () => number } = { processMetrics: true }) {
    const registers = [this.registry];
    this.now = opts.now ?? Date.now;
    this.reconciles = new Counter({ name: 'tnet_reconciles_total', help: 'Reconciles finished, by what started them and whether they succeeded.', labelNames: ['trigger', 'result'], registers });
    this.duration = new Histogram({ name: 'tnet_reconcile_duration_seconds', help: 'How long each reconcile took, from reading the host to the last action.', buckets: DURATION_BUCKETS, registers });
    this.actions = new Counter({ name: 'tnet_actions_total', help: 'Actions applied by reconciles that succeeded, by operation.', labelNames: ['op'], registers });
    this.drift = new Counter({ name: 'tnet_drift_repaired_total', help: 'Reconciles started by an event or the resync that put objects back, by kind of object.', labelNames: ['kind'], registers });
    this.owned = new Gauge({ name: 'tnet_owned_objects', help: 'Objects tnet owns for the spec after the last successful reconcile, by kind.', labelNames: ['kind'], registers });
    this.specValid = new Gauge({ name: 'tnet_spec_valid', help: '1 when the spec as last read is valid, 0 when it is not (the last valid one stays in force).', registers });
    this.lastSuccess = new Gauge({ name: 'tnet_last_success_timestamp_seconds', help: 'When the last successful reconcile finished, in seconds since the epoch; 0 before the first.', registers });
    // Every series from the start: a rate or increase() over them needs their zero.
    for (const trigger of METRIC_TRIGGERS) for (const result of ['success', 'failure']) this.reconciles.inc({ trigger, result }, 0);
    for (const kind of DRIFT_KINDS) this.drift.inc({ kind }, 0);
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  specLoaded(valid: boolean): void {
    this.valid = valid;
    this.specValid.set(valid ? 1 : 0);
  }

  reconciled(r: ReconcileRecord): void {
    this.reconciles.inc({ trigger: r.trigger, result: r.ok ? 'success' : 'failure' });
    this.duration.observe(r.seconds);
    const at = this.now();
    this.last = { ok: r.ok, at, error: r.error };
    if (!r.ok) return;
    this.lastSuccess.set(at / 1000);
    for (const a of r.actions) this.actions.inc({ op: a.op });
    for (const kind of repairedDrift(r.trigger, r.actions)) this.drift.inc({ kind });
    if (r.desired) {
      const owned = ownedObjects(r.desired);
      for (const kind of OWNED_KINDS) this.owned.set({ kind }, owned[kind]);
    }
  }

  /** 200 while the last reconcile succeeded; a spec edit that does not load leaves the last good one in force. */
  health(): Health {
    const l = this.last;
    if (!l) return { ok: false, text: this.valid === false ? 'spec invalid: nothing applied yet' : 'no reconcile has finished yet' };
    const when = new Date(l.at).toISOString();
    if (!l.ok) return { ok: false, text: `last reconcile failed at ${when}: ${(l.error ?? 'unknown error').split('\n')[0]}` };
    const note = this.valid === false ? '; the spec as last read is invalid, the last valid one stays in force' : '';
    return { ok: true, text: `ok: last reconcile succeeded at ${when}${note}` };
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
