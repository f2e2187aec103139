// After an apply: what it touched read again and planned again: the kernel must hold what was asked.

import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import { observeAgain, type Reread } from '../observe/observe.js';
import { plan } from '../plan/plan.js';
import { touchedNamespaces } from '../plan/residue.js';
import { describe } from '../actuate/link-ops.js';
import type { FirewallGlue } from './firewall.js';

/**
 * The kernel may accept a command and still not hold its result (a sysctl it resets, an address a link drops
 * as it goes down, a rule another tool removes at once). Only the parts the actions touched are read again;
 * the rest of `before` stands, so a large apply stays fast. Empty: all is as desired.
 */
export async function verifyApplied(actions: readonly Action[], desired: DesiredState, before: ObservedState, fw: FirewallGlue | null): Promise<TnetError[]> {
  const after = await observeAgain(before, reread(actions, fw));
  const again = plan(desired, after);
  if (!again.ok) return again.errors;
  if (again.value.length === 0) return [];
  const shown = again.value.slice(0, 5).map((a) => describe(a));
  const more = again.value.length > shown.length ? `, and ${again.value.length - shown.length} more` : '';
  return [tnetError('unverified', `the host does not hold what the apply asked: still to do ${shown.join('; ')}${more}`, {
    hint: 'something changed it back as it was applied (another tool, the kernel refusing a setting silently)',
  })];
}

function reread(actions: readonly Action[], fw: FirewallGlue | null): Reread {
  const has = (...ops: Action['op'][]) => actions.some((a) => ops.includes(a.op));
  return {
    kernel: actions.some((a) => !['file-write', 'dir-remove', 'fw-update', 'fdb-add', 'fdb-del'].includes(a.op)),
    // Hairpin ports and sysctls live on links and in /proc; the rules need reading only when they changed.
    firewall: fw && has('fw-update', 'sysctl') ? () => fw.observe() : null,
    files: has('file-write', 'dir-remove'),
    fdb: has('fdb-add', 'fdb-del'),
    enter: new Set(touchedNamespaces(actions)),
  };
}
