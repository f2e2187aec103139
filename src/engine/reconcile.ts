// One reconcile: observe the kernel, compute the desired state and the plan, and apply it unless told not to.

import { readFile } from 'node:fs/promises';
import { freeze } from 'immer';
import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { fail, ok, type Result, type TnetError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Spec } from '../model/spec.js';
import { observeBase, observeInside, type BaseObservation, type KernelView } from '../observe/index.js';
import { allocate } from '../reconcile/allocate.js';
import { buildDesired } from '../reconcile/desired.js';
import { plan } from '../reconcile/plan.js';
import { vouched } from '../reconcile/vouch.js';
import { applyPlan } from '../actuate/apply.js';
import { firewallFor, type FirewallGlue } from './firewall.js';
import { heldIps } from './held.js';
import { trace } from '../util/trace.js';

export interface ReconcileOptions {
  dryRun: boolean;
  /** destroy: the spec's name is kept, everything it declares is dropped, so the plan removes all it owns. */
  destroy?: boolean;
  /** Enter every namespace, even those a host veth seal vouches for: finds hand edits made inside them. */
  deep?: boolean;
  /**
   * Watch mode: links, addresses, routes and namespaces as the previous reconcile left them, read while idle
   * and dropped on any kernel event. iptables, files and fdb, which no event reports, are read afresh.
   */
  prefetched?: Promise<KernelView> | null;
}

export interface ReconcileReport {
  actions: Action[];
  applied: boolean;
  desired: DesiredState;
  observed: ObservedState;
  ms: number;
}

export async function reconcile(spec: Spec, opts: ReconcileOptions): Promise<Result<ReconcileReport>> {
  const start = trace('start-up and spec', 0);
  const target = opts.destroy ? emptied(spec) : spec;
  // A fresh process has no backend cached and detects it; watch mode detects again on its deep passes only.
  const fw = await firewallFor(target, opts.deep === true);
  trace('firewall backend', start);
  const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  let t = performance.now();
  const base = await hostSide(target, fw, opts.prefetched ?? null);
  t = trace('observe host, files, rules', t);
  // What the host side shows decides which namespaces must be entered.
  const baseIps = heldIps(target.name, base.observed);
  const first = desire(target, base.observed, baseIps, fw, hostResolv);
  t = trace('desire', t);
  if (!first.ok) return first;
  const ids = new Map(base.listed.map((e) => [e.name, e.id]));
  const observed = await observeInside(base, opts.deep ? new Map() : vouched(first.value, base.observed, ids));
  t = trace('observe namespaces', t);
  // Namespaces read just now may hold addresses no seal recorded (after a crash): only then desire again.
  const ips = heldIps(target.name, observed);
  const desired = sameHeld(baseIps, ips) ? first : desire(target, observed, ips, fw, hostResolv);
  if (!desired.ok) return desired;
  // The planner gets values it cannot change: a diff that mutated its inputs would throw here, not corrupt a plan.
  const frozen = [freeze(desired.value, true), freeze(observed, true)] as const;
  t = trace('freeze', t);
  const planned = plan(...frozen);
  trace('plan', t);
  if (!planned.ok) return planned;
  const actions = planned.value;
  let errors: TnetError[] = [];
  if (!opts.dryRun && actions.length) errors = await applyPlan(actions, fw);
  if (errors.length) return fail(...errors);
  return ok({ actions, applied: !opts.dryRun, desired: desired.value, observed, ms: performance.now() - start });
}

/** `ips`: the addresses the spec's containers hold in `observed` (heldIps), computed once by the caller. */
function desire(spec: Spec, observed: ObservedState, ips: Record<string, string>, fw: FirewallGlue | null, hostResolv: string): Result<DesiredState> {
  const alloc = allocate(spec, {
    ips,
    hostPorts: fw?.heldPorts(observed.firewall, ips) ?? {},
    taken: fw?.takenPorts(observed.firewall) ?? [],
  });
  if (!alloc.ok) return alloc;
  return ok(buildDesired({ spec, alloc: alloc.value, hostResolv, firewall: fw ? fw.desired(spec, alloc.value) : null }));
}

function observeOptions(spec: Spec, fw: FirewallGlue | null) {
  return { firewall: fw ? () => fw.observe() : null, paths: netnsPaths(spec), fdb: Object.values(spec.bridges).some((b) => b.overlay) };
}

async function hostSide(spec: Spec, fw: FirewallGlue | null, prefetched: Promise<KernelView> | null): Promise<BaseObservation> {
  const kernel = prefetched ? await prefetched.catch(() => undefined) : undefined;
  return observeBase(observeOptions(spec, fw), kernel);
}

function sameHeld(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]);
}

function emptied(spec: Spec): Spec {
  return { ...spec, bridges: {}, containers: {} };
}

function netnsPaths(spec: Spec): string[] {
  return Object.values(spec.containers).flatMap((c) => (c.netns ? [c.netns] : []));
}
