// Observes the firewall through a backend: filter and nat via iptables-save (and ip6tables-save when asked),
// plus the switches the rules need.

import { readFileSync } from 'node:fs';
import type { FirewallObserved, FwRule, FwTableName, FwTableObserved } from '../model/firewall.js';
import type { FirewallBackend } from '../model/backends.js';
import { parseIptablesSave } from './iptables-save.js';
import { same } from '../util/last-value.js';

export interface FirewallProbe {
  /** Sysctl keys to read (`net.bridge.bridge-nf-call-iptables` …); unreadable ones are left out. */
  sysctls?: string[];
  /** How iptables-save's text becomes tables: watch mode passes one that remembers the last text it parsed. */
  parse?: (text: string) => FwTableObserved[];
  /** The same for ip6tables-save's text. */
  parse6?: (text: string) => FwTableObserved[];
  /**
   * The IPv6 tables: 'read' (the spec wants rules there: a failure is an error), 'try' (the spec may have had
   * some: a host without ip6tables has none), absent: not read at all, `tables6` null.
   */
  ipv6?: 'read' | 'try';
}

const TABLES: FwTableName[] = ['filter', 'nat'];

export async function observeFirewall(backend: FirewallBackend, probe: FirewallProbe = {}): Promise<FirewallObserved> {
  // Both saves at once: two processes, each of one family.
  const [text, text6] = await Promise.all([backend.save(), probe.ipv6 ? save6(backend, probe.ipv6) : null]);
  const tables = both((probe.parse ?? parseIptablesSave)(text));
  const tables6 = text6 === null ? null : both((probe.parse6 ?? parseIptablesSave)(text6));
  return { backend: backend.name, tables, tables6, sysctls: readSysctls(probe.sysctls ?? []) };
}

/** filter, then nat, each present: a table never used yet is empty, not missing (legacy prints nat first). */
const both = (all: FwTableObserved[]): FwTableObserved[] => TABLES.map((name) => all.find((t) => t.table === name) ?? { table: name, chains: {} });

function save6(backend: FirewallBackend, how: 'read' | 'try'): Promise<string | null> {
  const text = backend.save(6);
  return how === 'read' ? text : text.catch(() => null);
}

/**
 * parseIptablesSave remembering its last text's tables: watch mode reads the same kept text again and again.
 * A new text (after an apply) keeps the chains whose rules are those of the last one: the same arrays, so
 * what the planner derived from a chain is found again by its identity (plan/memo.ts), and an edit of one
 * port reads the chains it changed, not the thirty thousand rules of every bridge.
 * The tables are shared between reads: nothing may change them (the tests freeze them).
 */
export function lastTextParser(): (text: string) => FwTableObserved[] {
  let last: { text: string; tables: FwTableObserved[] } | null = null;
  return (text) => {
    if (last?.text !== text) last = { text, tables: keptChains(parseIptablesSave(text), last?.tables ?? []) };
    return last.tables;
  };
}

function keptChains(tables: FwTableObserved[], before: FwTableObserved[]): FwTableObserved[] {
  return tables.map((t) => {
    const old = before.find((b) => b.table === t.table)?.chains;
    if (!old) return t;
    const chains: FwTableObserved['chains'] = {};
    for (const [name, c] of Object.entries(t.chains)) {
      const o = old[name];
      chains[name] = o && o.policy === c.policy && same(o.rules, c.rules) ? o : { ...c, rules: ownCopy(c.rules) };
    }
    return { ...t, chains };
  });
}

/**
 * The rules as strings of their own. A line split from a text is a slice that keeps the whole text alive
 * (V8's sliced strings): a chain kept across reads would keep every text it was first read from, 4 MB each
 * at 10,000 containers, one more per edit of another bridge. Joined and split again, it keeps its own.
 */
function ownCopy(rules: FwRule[]): FwRule[] {
  return rules.length ? rules.join('\n').split('\n') : [];
}

/** Synchronous: a handful of tiny /proc files. Hairpin mode is read with the links (`ip -d`), not here. */
export function readSysctls(keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    try {
      out[k] = readFileSync(`/proc/sys/${k.replace(/\./g, '/')}`, 'utf8').trim();
    } catch {
      // not there (br_netfilter not loaded, bridge not created yet): the plan sets it
    }
  }
  return out;
}
