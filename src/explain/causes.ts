// Who wrote each rule the packet meets, and the spec field behind it: looked up among the rules the spec
// writes (with -f), else read from the rule's shape; a rule with the spec's comment it does not write is drift.

import type { CausedChains, FwTableName, RuleCause } from '../model/firewall.js';
import type { NetView, RuleOwner } from '../model/why.js';
import { ownerOf, SHARED_OWNER, specOfOwner } from '../ownership/rule-owner.js';
import type { WalkContext } from './chains.js';
import type { ParsedRule } from './rule-parse.js';
import { causeByShape } from './shape.js';

const key = (table: FwTableName, chain: string, rule: string): string => `${table}\t${chain}\t${rule}`;

export function causeIndex(causes: CausedChains | null): Map<string, RuleCause> {
  const out = new Map<string, RuleCause>();
  for (const table of ['filter', 'nat'] as const) {
    for (const [chain, rules] of Object.entries(causes?.[table] ?? {})) for (const r of rules) out.set(key(table, chain, r.rule), r.cause);
  }
  return out;
}

export function describer(view: NetView): WalkContext['describe'] {
  const index = causeIndex(view.spec?.causes ?? null);
  const specName = view.spec?.spec.name ?? null;
  return (table, chain, rule, parsed: ParsedRule) => {
    const owner = ownerKind(ownerOf(rule));
    if (owner.kind === 'foreign') return { owner, cause: null };
    if (owner.kind === 'tnet') return { owner, cause: { kind: 'layout', field: null } };
    const exact = index.get(key(table, chain, rule));
    const drift = owner.spec === specName && !exact && view.spec?.causes != null;
    return { owner, cause: exact ?? causeByShape(chain, parsed, view.endpoints), ...(drift ? { drift } : {}) };
  };
}

function ownerKind(owner: string | null): RuleOwner {
  if (owner === SHARED_OWNER) return { kind: 'tnet' };
  const spec = specOfOwner(owner);
  return spec ? { kind: 'spec', spec } : { kind: 'foreign' };
}
