// Prints a plan Terraform-style: one line per action with + (create), ~ (change) or - (destroy), and a summary.

import type { Action } from '../model/action.js';
import { describe as describeOp, sign } from '../actuate/link-ops.js';

// Each action's sign and text come from the table that also gives its kernel commands (actuate/link-ops.ts).
export { sign, type Sign } from '../actuate/link-ops.js';

/** The table's text, with an ip6tables table named as such: `ip6tables nat: …` beside `iptables nat: …`. */
export function describe(a: Action): string {
  const text = describeOp(a);
  return a.op === 'fw-update' && a.family === 6 ? text.replace(/^iptables /, 'ip6tables ') : text;
}

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
