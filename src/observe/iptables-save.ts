// Parses iptables-save output into tables of chains (policy for built-ins) and their rules in order.

import type { FwChainObserved, FwTableName, FwTableObserved } from '../model/firewall.js';

const TABLES: readonly string[] = ['filter', 'nat'];

/** Only filter and nat are kept: tnet writes nothing else. Comments, counters and other tables are skipped. */
export function parseIptablesSave(text: string): FwTableObserved[] {
  const tables: FwTableObserved[] = [];
  let current: FwTableObserved | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) current = startTable(line.slice(1).trim(), tables);
    else if (!current) continue;
    else if (line.startsWith(':')) declareChain(current, line);
    else if (line.startsWith('-A ')) appendRule(current, line);
    else if (line.trim() === 'COMMIT') current = null;
  }
  return tables;
}

function startTable(name: string, tables: FwTableObserved[]): FwTableObserved | null {
  if (!TABLES.includes(name)) return null;
  const existing = tables.find((t) => t.table === name);
  if (existing) return existing;
  const table: FwTableObserved = { table: name as FwTableName, chains: {} };
  tables.push(table);
  return table;
}

/** `:FORWARD DROP [0:0]` for a built-in, `:TNET - [0:0]` for a user chain. */
function declareChain(t: FwTableObserved, line: string): void {
  const [name, policy] = line.slice(1).split(' ');
  t.chains[name] = { policy: !policy || policy === '-' ? null : policy, rules: t.chains[name]?.rules ?? [] };
}

/** `-A CHAIN rest…`: the rule is `rest…` as printed. */
function appendRule(t: FwTableObserved, line: string): void {
  const rest = line.slice(3);
  const sp = rest.indexOf(' ');
  const chain = sp < 0 ? rest : rest.slice(0, sp);
  const rule = sp < 0 ? '' : rest.slice(sp + 1).trimEnd();
  const c: FwChainObserved = (t.chains[chain] ??= { policy: null, rules: [] });
  c.rules.push(rule);
}
