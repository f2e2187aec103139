// What a reconcile tells the watch's metrics, as plain values: loading it loads no metrics library.

import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { ownerOf, specOwner } from '../ownership/rule-owner.js';

/** The `trigger` label: a spec edit (or SIGHUP), a kernel, ruleset or file event, the resync, a retry, the start. */
export type MetricTrigger = 'start' | 'edit' | 'event' | 'resync' | 'retry';

export const METRIC_TRIGGERS: readonly MetricTrigger[] = ['start', 'edit', 'event', 'resync', 'retry'];

/**
 * One label for the triggers merged into one reconcile (the controller's `spec`, `hup`, `kernel` …), the
 * weightiest: a reconcile is counted once, and an edit that came with an event is an edit.
 */
export function metricTrigger(triggers: readonly string[]): MetricTrigger {
  if (triggers.includes('start')) return 'start';
  if (triggers.includes('spec') || triggers.includes('hup')) return 'edit';
  if (triggers.includes('kernel')) return 'event';
  if (triggers.includes('retry')) return 'retry';
  return 'resync';
}

/** The `kind` label of repaired drift: which kind of object an action puts back. */
export type DriftKind = 'netns' | 'link' | 'address' | 'route' | 'fdb' | 'sysctl' | 'files' | 'firewall' | 'dns';

export const DRIFT_KINDS: readonly DriftKind[] = ['netns', 'link', 'address', 'route', 'fdb', 'sysctl', 'files', 'firewall', 'dns'];

export function driftKind(a: Action): DriftKind {
  switch (a.op) {
    case 'netns-add':
    case 'netns-attach':
    case 'netns-del':
    case 'netns-mark':
      return 'netns';
    case 'addr-add':
    case 'addr-del':
      return 'address';
    case 'route-replace':
    case 'route-del':
      return 'route';
    case 'fdb-add':
    case 'fdb-del':
      return 'fdb';
    case 'sysctl':
      return 'sysctl';
    case 'file-write':
    case 'dir-remove':
      return 'files';
    case 'fw-update':
      return 'firewall';
    case 'dns-records':
    case 'dns-serve':
    case 'dns-stop':
      return 'dns';
    default:
      return 'link';
  }
}

/**
 * Drift repaired by one reconcile: the kinds its actions put back, each once, when nothing but an event or
 * the resync started it (an edit's or a retry's actions are the spec's doing, not drift).
 */
export function repairedDrift(trigger: MetricTrigger, actions: readonly Action[]): DriftKind[] {
  if (trigger !== 'event' && trigger !== 'resync') return [];
  return DRIFT_KINDS.filter((k) => actions.some((a) => driftKind(a) === k));
}

export const OWNED_KINDS = ['bridge', 'veth', 'netns', 'netns alias', 'vxlan', 'uplink', 'files', 'rule'] as const;
export type OwnedKind = (typeof OWNED_KINDS)[number];

/** What tnet owns for the spec once a reconcile succeeded: the host then holds the desired state. */
export function ownedObjects(d: DesiredState): Record<OwnedKind, number> {
  const owner = specOwner(d.spec);
  const rules = (d.firewall?.tables ?? []).flatMap((t) => Object.values(t.chains).flat()).filter((r) => ownerOf(r) === owner);
  return {
    bridge: d.bridges.filter((b) => b.owned).length,
    veth: d.endpoints.length,
    netns: d.netns.filter((n) => n.kind !== 'alias').length,
    'netns alias': d.netns.filter((n) => n.kind === 'alias').length,
    vxlan: d.vxlans.length,
    uplink: d.bridges.filter((b) => b.owned && b.uplink).length,
    files: d.fileDirs.length,
    rule: rules.length,
  };
}

/** One reconcile as the controller saw it. */
export interface ReconcileRecord {
  trigger: MetricTrigger;
  ok: boolean;
  seconds: number;
  /** Applied (empty when it failed: what it did was rolled back). */
  actions: readonly Action[];
  /** What tnet owns once it succeeded; null when it failed. */
  desired: DesiredState | null;
  /** The first error's message when it failed. */
  error: string | null;
}

/** What the controller feeds: an object made by the watch, never a module's state. */
export interface WatchMetrics {
  specLoaded(valid: boolean): void;
  reconciled(r: ReconcileRecord): void;
}
