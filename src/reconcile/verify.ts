// After an apply: what it touched read again and planned again: the kernel must hold what was asked.

import { isDnsAction, type Action } from '../model/action.js';
import { IPV6_FORWARD, type DesiredState } from '../model/desired.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import { enterAgain, observeAgain } from '../observe/observe.js';
import { plan } from '../plan/plan.js';
import { touchedNamespaces } from '../plan/residue.js';
import { vouched } from '../plan/vouch.js';
import { describe } from '../actuate/link-ops.js';
import type { FirewallGlue } from './firewall.js';

/**
 * The kernel may accept a command and still not hold its result (a setting it clamps or resets, an address a
 * link drops, a route that goes with it). Only what the actions touched is read again, the rest of `before`
 * stands, so a large apply stays fast:
 * - links, addresses and routes of the host; switches; files; forwarding entries, each when touched;
 * - the namespaces the apply entered, except those whose host veth now carries the seal the spec asks for: a
 *   seal vouches once every step went through (set after the inside, or with a new namespace's veth under
 *   its intent, dropped by then), as a re-apply trusts it (`--deep` enters all);
 * - not the rules: iptables-restore commits a table atomically, so its success means the kernel holds it.
 * Empty: all is as desired.
 */
export async function verifyApplied(actions: readonly Action[], desired: DesiredState, before: ObservedState, fw: FirewallGlue | null): Promise<TnetError[]> {
  // Only rules changed (a port edit, say): nothing to read again, and a plan from the same reads says nothing.
  if (actions.every((a) => a.op === 'fw-update')) return [];
  const after = await observeTouched(actions, desired, before, fw);
  const again = plan(desired, after);
  if (!again.ok) return again.errors;
  // The rules were not read again: a firewall update planned from the old ones says nothing.
  const missing = again.value.filter((a) => a.op !== 'fw-update');
  if (missing.length === 0) return [];
  const shown = missing.slice(0, 5).map((a) => describe(a));
  const more = missing.length > shown.length ? `, and ${missing.length - shown.length} more` : '';
  return [tnetError('unverified', `the host does not hold what the apply asked: still to do ${shown.join('; ')}${more}`, {
    hint: 'something changed it back as it was applied (another tool, the kernel refusing a setting silently)',
  })];
}

/**
 * Whether an action changes what the kernel view holds (links, addresses, routes, namespaces, nsids and
 * ip_forward, which is read with the host's links: observe/host.ts); rules, files, the other switches and
 * the fdb are read apart.
 */
export function touchesKernelView(a: Action): boolean {
  return a.op === 'sysctl' ? a.key === 'net.ipv4.ip_forward' || a.key === IPV6_FORWARD : !['file-write', 'dir-remove', 'fw-update', 'fdb-add', 'fdb-del'].includes(a.op) && !isDnsAction(a);
}

async function observeTouched(actions: readonly Action[], desired: DesiredState, before: ObservedState, fw: FirewallGlue | null): Promise<ObservedState> {
  const has = (...ops: Action['op'][]) => actions.some((a) => ops.includes(a.op));
  const kernel = actions.some(touchesKernelView);
  const host = await observeAgain(before, { kernel, firewall: null, files: has('file-write', 'dir-remove'), fdb: has('fdb-add', 'fdb-del'), dns: actions.some(isDnsAction), enter: new Set() });
  const switches = fw && has('sysctl') && before.firewall ? { ...before.firewall, sysctls: fw.switches() } : before.firewall;
  const withSwitches = { ...host, firewall: switches };
  const ids = new Map(Object.values(withSwitches.netns).map((n) => [n.name, n.id]));
  const trusted = vouched(desired, withSwitches, ids);
  // Trusted as planning trusts them: not read, with the mark their seal vouches for.
  const netns = Object.fromEntries(
    Object.entries(withSwitches.netns).map(([name, n]) => {
      const mark = trusted.get(name);
      return [name, mark === undefined ? n : { ...n, read: false, mark, links: [], routes: [] }];
    }),
  );
  const enter = touchedNamespaces(actions).filter((n) => !trusted.has(n) && netns[n]);
  return enterAgain({ ...withSwitches, netns }, new Set(enter));
}
