// The host as `tnet apply` would leave it for the spec: its rules in tnet's chains in place of those its
// comment marks now, the jumps in place, its switches set. A trace on it says what drift changes.

import type { FirewallDesired, FirewallObserved, FwChainObserved, FwJump, FwTableDesired, FwTableObserved } from '../model/firewall.js';
import type { NetView } from '../model/why.js';
import { isTnetChain, ownerOf, specOwner } from '../ownership/rule-owner.js';

export function appliedView(view: NetView): NetView | null {
  const s = view.spec;
  if (!s || !view.firewall) return null;
  const hairpin = new Set(s.desired?.hairpinPorts ?? []);
  return {
    ...view,
    ipForward: s.spec.host.ipForward || view.ipForward,
    firewall: s.desired ? appliedFirewall(view.firewall, s.desired) : view.firewall,
    links: view.links.map((l) => (hairpin.has(l.name) ? { ...l, hairpin: true } : l)),
  };
}

export function appliedFirewall(fw: FirewallObserved, d: FirewallDesired): FirewallObserved {
  const owner = specOwner(d.spec);
  const tables = fw.tables.map((t) => appliedTable(t, d.tables.find((x) => x.table === t.table), owner));
  for (const dt of d.tables) if (!tables.some((t) => t.table === dt.table)) tables.push(appliedTable({ table: dt.table, chains: {} }, dt, owner));
  return { ...fw, tables, sysctls: { ...fw.sysctls, ...d.sysctls } };
}

/** As plan/fw-chains.ts rewrites a chain: the others' rules first, then the spec's; the admin's chain kept. */
function appliedTable(ot: FwTableObserved, dt: FwTableDesired | undefined, owner: string): FwTableObserved {
  const mine = (r: string): boolean => ownerOf(r) === owner;
  const chains: Record<string, FwChainObserved> = {};
  for (const [name, c] of Object.entries(ot.chains)) chains[name] = isTnetChain(name) ? { ...c, rules: c.rules.filter((r) => !mine(r)) } : c;
  for (const [name, wanted] of Object.entries(dt?.chains ?? {})) {
    if (dt!.keepChains.includes(name) && ot.chains[name]) continue;
    const keep = new Set(wanted);
    chains[name] = { policy: null, rules: [...(chains[name]?.rules ?? []).filter((r) => !keep.has(r)), ...wanted] };
  }
  for (const from of new Set((dt?.jumps ?? []).map((j) => j.from))) chains[from] = withJumps(chains[from], dt!.jumps.filter((j) => j.from === from));
  return { table: ot.table, chains };
}

/** The 'first' jumps at the top in their order, the others present. */
function withJumps(c: FwChainObserved | undefined, jumps: FwJump[]): FwChainObserved {
  const first = jumps.filter((j) => j.position === 'first').map((j) => j.rule);
  const rest = (c?.rules ?? []).filter((r) => !first.includes(r));
  const any = jumps.filter((j) => j.position === 'any' && !rest.includes(j.rule)).map((j) => j.rule);
  return { policy: c?.policy ?? 'ACCEPT', rules: [...first, ...rest, ...any] };
}
