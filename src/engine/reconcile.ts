// One reconcile: observe the kernel, compute the desired state and the plan, and apply it unless told not to.

import { readFile } from 'node:fs/promises';
import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { fail, ok, type Result, type TnetError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Spec } from '../model/spec.js';
import { observe } from '../observe/index.js';
import { allocate } from '../reconcile/allocate.js';
import { buildDesired } from '../reconcile/desired.js';
import { plan } from '../reconcile/plan.js';
import { applyPlan } from '../actuate/apply.js';
import { processCount } from '../util/exec.js';
import { firewallFor } from './firewall.js';
import { heldBy } from './held.js';
import { trace } from '../util/trace.js';

export interface ReconcileOptions {
  dryRun: boolean;
  /** destroy: the spec's name is kept, everything it declares is dropped, so the plan removes all it owns. */
  destroy?: boolean;
}

export interface ReconcileReport {
  actions: Action[];
  applied: boolean;
  desired: DesiredState;
  observed: ObservedState;
  processes: Record<string, number>;
  ms: number;
}

export async function reconcile(spec: Spec, opts: ReconcileOptions): Promise<Result<ReconcileReport>> {
  const start = performance.now();
  const target = opts.destroy ? emptied(spec) : spec;
  const fw = await firewallFor(target);
  let t = performance.now();
  const observed = await observe({ firewall: fw ? () => fw.observe() : null, paths: netnsPaths(target) });
  t = trace('observe', t);
  const held = heldBy(target.name, observed);
  const alloc = allocate(target, {
    ips: held.ips,
    hostPorts: fw?.heldPorts(observed.firewall, held.ips) ?? {},
    taken: fw?.takenPorts(observed.firewall) ?? [],
  });
  if (!alloc.ok) return alloc;
  const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const desired = buildDesired({ spec: target, alloc: alloc.value, hostResolv, firewall: fw ? fw.desired(target, alloc.value) : null });
  const planned = plan(desired, observed);
  trace('desired+plan', t);
  if (!planned.ok) return planned;
  const actions = planned.value;
  let errors: TnetError[] = [];
  if (!opts.dryRun && actions.length) errors = await applyPlan(actions, fw);
  if (errors.length) return fail(...errors);
  return ok({ actions, applied: !opts.dryRun, desired, observed, processes: { ...processCount }, ms: performance.now() - start });
}

function emptied(spec: Spec): Spec {
  return { ...spec, bridges: {}, containers: {} };
}

function netnsPaths(spec: Spec): string[] {
  return Object.values(spec.containers).flatMap((c) => (c.netns ? [c.netns] : []));
}
