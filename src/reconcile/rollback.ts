// When an apply fails: its undo carried out, the host observed again, and whatever still differs named.

import { applyPlan, type ApplyOutcome } from '../actuate/apply.js';
import { isDnsAction, type Action } from '../model/action.js';
import type { UndoReport } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import { observeAgain } from '../observe/observe.js';
import { residue, touchedNamespaces } from '../plan/residue.js';
import { undoPlan } from '../plan/undo.js';
import type { FirewallGlue } from './firewall.js';
import type { LinkBackend } from '../model/backends.js';
import type { Spec } from '../model/spec.js';
import type { Session } from './session.js';


export interface FailedApply {
  before: ObservedState;
  outcome: ApplyOutcome;
  fw: FirewallGlue | null;
  links: readonly LinkBackend[];
}

/**
 * Undoes what the failed apply attempted, newest first, tolerant of undo steps that find nothing to undo;
 * then reads again what those actions touched and compares it with the observation the plan was made from.
 * `keep`: no undo, only the comparison (what the apply changed before it failed).
 */
export async function afterFailure(f: FailedApply, keep: boolean): Promise<UndoReport> {
  const attempted = f.outcome.attempted;
  if (attempted.length === 0) return { rolledBack: keep ? null : 0, left: [], attempted: 0 };
  let rolledBack: number | null = null;
  if (!keep) {
    const undo = undoPlan(attempted, f.before);
    await applyPlan(undo.actions, f.fw, f.links, { tolerant: true });
    rolledBack = undo.actions.length;
  }
  const after = await observeTouched(attempted, f.before, f.fw);
  return { rolledBack, left: residue(attempted, f.before, after), attempted: attempted.length };
}

/** The host side afresh, and inside only the namespaces the actions touched or the plan had read. */
function observeTouched(actions: readonly Action[], before: ObservedState, fw: FirewallGlue | null): Promise<ObservedState> {
  const read = Object.values(before.netns).filter((n) => n.read).map((n) => n.name);
  const fdb = actions.some((a) => a.op === 'fdb-add' || a.op === 'fdb-del');
  const enter = new Set([...read, ...touchedNamespaces(actions)]);
  // The IPv6 tables read again when the actions changed them, as the plan had read them.
  const ipv6 = actions.some((a) => a.op === 'fw-update' && a.family === 6);
  return observeAgain(before, { kernel: true, firewall: fw ? () => fw.observe(ipv6) : null, files: true, fdb, dns: actions.some(isDnsAction), enter });
}

/** Undoes a whole apply that went through (one `--confirm` did not get confirmed in time), as a failed one. */
export async function rollBackApplied(p: { spec: Spec; applied: Action[]; before: ObservedState }, session: Session): Promise<UndoReport> {
  const fw = await session.firewall.forSpec(p.spec, true);
  return afterFailure({ before: p.before, outcome: { errors: [], attempted: p.applied }, fw, links: session.links }, false);
}
