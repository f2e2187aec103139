// Prints a plan Terraform-style: one line per action with + (create), ~ (change) or - (destroy), and a summary.

import type { Action } from '../model/action.js';
import { describe, sign } from '../actuate/link-ops.js';

// Each action's sign and text come from the table that also gives its kernel commands (actuate/link-ops.ts).
export { describe, sign, type Sign } from '../actuate/link-ops.js';

export function renderPlan(actions: Action[]): string {
  return actions.map((a) => `  ${sign(a)} ${describe(a)}`).join('\n');
}

export function summary(actions: Action[], done = false): string {
  const n = { '+': 0, '~': 0, '-': 0 };
  for (const a of actions) n[sign(a)]++;
  return done
    ? `${n['+']} added, ${n['~']} changed, ${n['-']} destroyed`
    : `${n['+']} to add, ${n['~']} to change, ${n['-']} to destroy`;
}
