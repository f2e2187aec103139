// Observes the firewall through a backend: filter and nat via iptables-save, plus the switches the rules need.

import { readFileSync } from 'node:fs';
import type { FirewallObserved, FwTableName, FwTableObserved } from '../model/firewall.js';
import type { FirewallBackend } from '../model/backends.js';
import { parseIptablesSave } from './iptables-save.js';

export interface FirewallProbe {
  /** Sysctl keys to read (`net.bridge.bridge-nf-call-iptables` …); unreadable ones are left out. */
  sysctls?: string[];
}

const TABLES: FwTableName[] = ['filter', 'nat'];

export async function observeFirewall(backend: FirewallBackend, probe: FirewallProbe = {}): Promise<FirewallObserved> {
  const all = parsed(await backend.save());
  // filter, then nat, each present: a table never used yet is empty, not missing (legacy prints nat first).
  const tables = TABLES.map((name) => all.find((t) => t.table === name) ?? { table: name, chains: {} });
  return { backend: backend.name, tables, sysctls: readSysctls(probe.sysctls ?? []) };
}

/** The last text's tables: watch mode reads the same kept text (saved-rules.ts) again and again. Never changed. */
let last: { text: string; tables: FwTableObserved[] } | null = null;

function parsed(text: string): FwTableObserved[] {
  if (last?.text !== text) last = { text, tables: parseIptablesSave(text) };
  return last.tables;
}

/** Synchronous: a handful of tiny /proc files. Hairpin mode is read with the links (`ip -d`), not here. */
function readSysctls(keys: string[]): Record<string, string> {
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
