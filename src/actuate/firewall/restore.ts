// Renders one table's update as the input of a single `iptables-restore --noflush`, applied atomically.

import type { FwTableUpdate } from '../../model/action.js';
import type { FwTableName } from '../../model/firewall.js';

/**
 * Order matters: declaring a chain (`:C - [0:0]`) creates it or, under --noflush, flushes it, so every
 * chain to create, refill or delete is declared first (a chain must be empty to be deleted); then stale
 * jumps go (-D, before the -X of their target; insert positions assume they are gone), replaced chains
 * are refilled, jumps inserted, and unused chains deleted last, once nothing refers to them.
 */
export function renderRestore(table: FwTableName, update: FwTableUpdate): string {
  const declared = [...new Set([...update.createChains, ...Object.keys(update.replaceChains), ...update.deleteChains])];
  const lines = [
    `*${table}`,
    ...declared.map((c) => `:${c} - [0:0]`),
    ...update.deleteRules.map((r) => `-D ${r.chain} ${r.rule}`),
    ...Object.entries(update.replaceChains).flatMap(([c, rules]) => rules.map((r) => `-A ${c} ${r}`)),
    ...update.insertRules.map((r) => (r.position === 'end' ? `-A ${r.chain} ${r.rule}` : `-I ${r.chain} ${r.position} ${r.rule}`)),
    ...update.deleteChains.map((c) => `-X ${c}`),
    'COMMIT',
  ];
  return `${lines.join('\n')}\n`;
}
