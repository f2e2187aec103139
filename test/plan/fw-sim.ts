// A pure model of `iptables-restore --noflush` on observed tables: lets diff tests apply their plan and diff again.

import type { Action, FwTableUpdate } from '../../src/model/action.js';
import type { FirewallObserved, FwTableName, FwTableObserved } from '../../src/model/firewall.js';

const BUILTINS: Record<FwTableName, string[]> = { filter: ['INPUT', 'FORWARD', 'OUTPUT'], nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] };

export function emptyTable(table: FwTableName): FwTableObserved {
  return { table, chains: Object.fromEntries(BUILTINS[table].map((c) => [c, { policy: 'ACCEPT', rules: [] as string[] }])) };
}

export function observedOf(tables: FwTableObserved[]): FirewallObserved {
  return { backend: 'nf_tables', tables, sysctls: {} };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Same order as renderRestore; throws where the kernel would refuse. */
export function applyUpdate(t: FwTableObserved, u: FwTableUpdate): FwTableObserved {
  const out = clone(t);
  for (const c of new Set([...u.createChains, ...Object.keys(u.replaceChains), ...u.deleteChains])) out.chains[c] = { policy: out.chains[c]?.policy ?? null, rules: [] };
  for (const d of u.deleteRules) {
    const rules = out.chains[d.chain].rules;
    const i = rules.indexOf(d.rule);
    if (i < 0) throw new Error(`-D ${d.chain} ${d.rule}: no such rule`);
    rules.splice(i, 1);
  }
  for (const [c, rules] of Object.entries(u.replaceChains)) out.chains[c].rules.push(...rules);
  for (const r of u.insertRules) {
    const rules = (out.chains[r.chain] ??= { policy: 'ACCEPT', rules: [] }).rules;
    if (r.position === 'end') rules.push(r.rule);
    else if (r.position > rules.length + 1) throw new Error(`-I ${r.chain} ${r.position}: index too big`);
    else rules.splice(r.position - 1, 0, r.rule);
  }
  for (const c of u.deleteChains) {
    if (out.chains[c].rules.length) throw new Error(`-X ${c}: not empty`);
    if (Object.values(out.chains).some((x) => x.rules.some((r) => r.endsWith(`-j ${c}`)))) throw new Error(`-X ${c}: referenced`);
    delete out.chains[c];
  }
  return out;
}

/** The actions' updates applied to the tables they name: IPv4's, and IPv6's (family 6) when those were read. */
export function applyAll(o: FirewallObserved, actions: Action[]): FirewallObserved {
  const family = (fam: 4 | 6) => actions.filter((a): a is Extract<Action, { op: 'fw-update' }> => a.op === 'fw-update' && (a.family ?? 4) === fam);
  const out = { ...o, tables: applyFamily(o.tables, family(4)) };
  const six = family(6);
  if (o.tables6 || six.length) out.tables6 = applyFamily(o.tables6 ?? [], six);
  return out;
}

function applyFamily(observed: FwTableObserved[], actions: Extract<Action, { op: 'fw-update' }>[]): FwTableObserved[] {
  const tables = observed.map((t) => {
    const a = actions.find((x) => x.table === t.table);
    return a ? applyUpdate(t, a.update) : t;
  });
  for (const a of actions) {
    if (!tables.some((t) => t.table === a.table)) tables.push(applyUpdate(emptyTable(a.table), a.update));
  }
  return tables;
}
