// Walks a packet through one built-in chain of a table, rule by rule: jumps, RETURN, goto, policies, NAT.

import type { FwChainObserved, FwTableName } from '../model/firewall.js';
import type { RuleCause } from '../model/firewall.js';
import type { RuleOwner, RuleStep } from '../model/why.js';
import { matchRule, type MatchContext, type Packet } from './match.js';
import { parseRule, type ParsedRule } from './rule-parse.js';

/** A translation made in the nat table: the new destination, or the new source (null: the out interface's). */
export type Nat = { kind: 'dnat'; ip: string; port: number | null } | { kind: 'snat'; ip: string | null };

export interface WalkContext extends MatchContext {
  chains(table: FwTableName): Record<string, FwChainObserved> | null;
  /** Who wrote a rule, and the spec field behind it. */
  describe(table: FwTableName, chain: string, rule: string, parsed: ParsedRule): { owner: RuleOwner; cause: RuleCause | null; drift?: boolean };
}

export interface HookResult {
  /** unknown: a rule that could have decided otherwise has a match `why` cannot evaluate. */
  outcome: 'accept' | 'drop' | 'unknown';
  steps: RuleStep[];
  nat: Nat | null;
}

type End = { end: 'accept' | 'drop' | 'nat' | 'return' | 'fall'; nat?: Nat };

/** Targets that only look or mark: the walk goes on after them. */
const PASSING = new Set(['LOG', 'NFLOG', 'MARK', 'CONNMARK', 'TRACE', 'AUDIT', 'ULOG']);
const MAX_DEPTH = 32;

export function runHook(table: FwTableName, hook: string, p: Packet, ctx: WalkContext): HookResult {
  const chains = ctx.chains(table);
  const chain = chains?.[hook];
  if (!chains || !chain) return { outcome: 'accept', steps: [], nat: null };
  const acc = { steps: [] as RuleStep[], uncertain: [] as RuleStep[] };
  const r = walk({ table, chains, p, ctx, acc }, hook, 0);
  let outcome: HookResult['outcome'] = r.end === 'drop' ? 'drop' : 'accept';
  if (r.end === 'return' || r.end === 'fall') {
    const policy = chain.policy ?? 'ACCEPT';
    acc.steps.push({ table, chain: hook, index: 0, rule: policy, effect: policy, certain: true, owner: { kind: 'foreign' }, cause: null });
    outcome = policy === 'DROP' ? 'drop' : 'accept';
  }
  const nat = r.end === 'nat' ? r.nat! : null;
  if (acc.uncertain.some((s) => wouldDiffer(s.effect, outcome, nat))) outcome = 'unknown';
  return { outcome, steps: acc.steps, nat };
}

interface Walk {
  table: FwTableName;
  chains: Record<string, FwChainObserved>;
  p: Packet;
  ctx: WalkContext;
  acc: { steps: RuleStep[]; uncertain: RuleStep[] };
}

function walk(w: Walk, name: string, depth: number): End {
  const rules = w.chains[name]?.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const parsed = parseRule(rules[i]);
    const m = matchRule(parsed, w.p, w.ctx);
    if (m.result === 'no' || (parsed.target !== null && PASSING.has(parsed.target)) || parsed.target === null) continue;
    const step: RuleStep = { table: w.table, chain: name, index: i + 1, rule: rules[i], effect: effectOf(parsed), certain: m.result === 'yes', ...w.ctx.describe(w.table, name, rules[i], parsed) };
    if (m.reason) step.reason = m.reason;
    w.acc.steps.push(step);
    if (m.result === 'unknown') {
      w.acc.uncertain.push(step);
      continue;
    }
    const end = act(w, parsed, depth, step);
    if (end) return end;
  }
  return { end: 'fall' };
}

/** What a matching rule does; null: the walk goes on. */
function act(w: Walk, r: ParsedRule, depth: number, step: RuleStep): End | null {
  const t = r.target!;
  if (t === 'ACCEPT') return { end: 'accept' };
  if (t === 'DROP' || t === 'REJECT') return { end: 'drop' };
  if (t === 'RETURN') return { end: 'return' };
  if (t === 'DNAT') return { end: 'nat', nat: dnatOf(r.options['to-destination'] ?? '') };
  if (t === 'MASQUERADE') return { end: 'nat', nat: { kind: 'snat', ip: null } };
  if (t === 'SNAT') return { end: 'nat', nat: { kind: 'snat', ip: (r.options['to-source'] ?? '').split(/[:-]/)[0] } };
  if (!(t in w.chains) || depth >= MAX_DEPTH) {
    // A target `why` does not model (REDIRECT, CT, TPROXY …), or jumps nested past reason: it may decide.
    step.certain = false;
    step.reason = depth >= MAX_DEPTH ? 'jumps nested too deep' : `target ${t}`;
    w.acc.uncertain.push(step);
    return null;
  }
  const sub = walk(w, t, depth + 1);
  if (sub.end === 'accept' || sub.end === 'drop' || sub.end === 'nat') return sub;
  // -g: the chain gone to returns to this chain's caller.
  return r.goto ? { end: 'return' } : null;
}

function dnatOf(to: string): Nat {
  const [ip, port] = to.split(':');
  return { kind: 'dnat', ip: ip.split('-')[0], port: port ? Number(port.split('-')[0]) : null };
}

export function effectOf(r: ParsedRule): string {
  if (r.target === 'DNAT') return `DNAT to ${r.options['to-destination'] ?? '?'}`;
  if (r.target === 'SNAT') return `SNAT to ${r.options['to-source'] ?? '?'}`;
  return r.goto ? `goto ${r.target}` : (r.target ?? '');
}

/** An uncertain rule changes nothing when, had it matched, the hook would have ended the same way. */
function wouldDiffer(effect: string, outcome: HookResult['outcome'], nat: Nat | null): boolean {
  if (effect === 'ACCEPT') return outcome !== 'accept' || nat !== null;
  if (effect === 'DROP' || effect === 'REJECT') return outcome !== 'drop';
  return true;
}
