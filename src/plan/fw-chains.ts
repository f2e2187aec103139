// Diffs tnet's chains of one table: create missing ones, rewrite those whose rules of this spec differ, drop unused ones.

import type { FwRule, FwTableDesired, FwTableObserved } from '../model/firewall.js';
import { isTnetChain, ownerOf, SHARED_OWNER } from '../ownership/rule-owner.js';
import { parseBridgeChain } from '../ownership/chains.js';

export interface FwContext {
  owner: string; // `tnet:<spec>`
  /** Another spec still has rules in tnet's chains: the shared structure stays. */
  othersPresent: boolean;
}

export interface ChainsDiff {
  createChains: string[];
  replaceChains: Record<string, FwRule[]>;
  deleteChains: string[];
  /** Small edits inside an owned chain: its changed rules deleted, their replacements inserted in place. */
  deleteRules: { chain: string; rule: FwRule }[];
  insertRules: { chain: string; rule: FwRule; position: number }[];
}

const same = (a: FwRule[], b: FwRule[]): boolean => a.length === b.length && a.every((r, i) => r === b[i]);

function tnetChainNames(dt: FwTableDesired | undefined, ot: FwTableObserved): string[] {
  const observed = Object.entries(ot.chains).filter(([n, c]) => c.policy === null && isTnetChain(n));
  return [...new Set([...Object.keys(dt?.chains ?? {}), ...observed.map(([n]) => n)])].sort();
}

/** A rule outside tnet (no tnet comment) jumps to the chain: deleting it would fail, so it stays. */
function foreignReference(name: string, ot: FwTableObserved, ctx: FwContext): boolean {
  const jump = new RegExp(`(^| )-[jg] ${name.replace(/[-]/g, '\\-')}( |$)`);
  return Object.values(ot.chains).some((c) =>
    c.rules.some((r) => jump.test(r) && ![ctx.owner, SHARED_OWNER].includes(ownerOf(r) ?? '')),
  );
}

/**
 * What one chain's diff found, by chain name, while its rules wanted and observed are the same arrays (watch
 * mode: desire keeps an unchanged bridge's chains, and the rules read stay until the next apply). An edit of
 * one port then compares the one chain it changed, not a thousand rules of every bridge.
 */
export type ChainsMemo = Map<string, { observed: FwRule[] | undefined; wanted: FwRule[] | undefined; kept: boolean; owner: string; diff: ChainsDiff }>;

const emptyDiff = (): ChainsDiff => ({ createChains: [], replaceChains: {}, deleteChains: [], deleteRules: [], insertRules: [] });

export function diffChains(dt: FwTableDesired | undefined, ot: FwTableObserved, ctx: FwContext, memo: ChainsMemo | null = null): ChainsDiff {
  const out = emptyDiff();
  const keep = new Set(dt?.keepChains ?? []);
  const seen: ChainsMemo = new Map();
  for (const name of tnetChainNames(dt, ot)) {
    const observed = ot.chains[name]?.rules;
    const wanted = dt?.chains[name];
    const kept = keep.has(name);
    if (wanted === undefined && !kept) {
      if (observed !== undefined) unwantedChain(name, observed, ot, ctx, out);
      continue;
    }
    // A wanted or kept chain's diff depends on its two lists and the owner alone (an unwanted one's does not).
    const hit = memo?.get(name);
    const reuse = hit !== undefined && hit.observed === observed && hit.wanted === wanted && hit.kept === kept && hit.owner === ctx.owner;
    const diff = reuse ? hit.diff : chainDiff(name, observed, wanted ?? [], kept, ctx);
    seen.set(name, { observed, wanted, kept, owner: ctx.owner, diff });
    mergeInto(out, diff);
  }
  if (memo) {
    memo.clear();
    for (const [k, v] of seen) memo.set(k, v);
  }
  return out;
}

function chainDiff(name: string, observed: FwRule[] | undefined, wanted: FwRule[], kept: boolean, ctx: FwContext): ChainsDiff {
  const diff = emptyDiff();
  if (kept) keepChain(name, observed, wanted, diff);
  else ownedChain(name, observed, wanted, ctx, diff);
  return diff;
}

function mergeInto(out: ChainsDiff, d: ChainsDiff): void {
  out.createChains.push(...d.createChains);
  Object.assign(out.replaceChains, d.replaceChains);
  out.deleteChains.push(...d.deleteChains);
  out.deleteRules.push(...d.deleteRules);
  out.insertRules.push(...d.insertRules);
}

/** Created once with its seed, never edited afterwards: the admin's chain. */
function keepChain(name: string, observed: FwRule[] | undefined, seed: FwRule[], out: ChainsDiff): void {
  if (observed !== undefined) return;
  out.createChains.push(name);
  if (seed.length) out.replaceChains[name] = seed;
}

/** Other specs' and foreign rules stay; ours go after them (rules of different specs commute). */
function ownedChain(name: string, observed: FwRule[] | undefined, wanted: FwRule[], ctx: FwContext, out: ChainsDiff): void {
  if (observed === undefined) {
    out.createChains.push(name);
    if (wanted.length) out.replaceChains[name] = wanted;
    return;
  }
  // The usual case, a bridge's chain of this spec's rules alone as wanted: no set of a thousand rules built.
  if (same(observed, wanted)) return;
  const wantedSet = new Set(wanted);
  // The set first: most rules are wanted ones, and reading a rule's comment costs a regular expression.
  const ours = (r: FwRule): boolean => wantedSet.has(r) || ownerOf(r) === ctx.owner;
  if (same(observed.filter(ours), wanted)) return;
  if (!editInPlace(name, observed, wanted, ours, out)) out.replaceChains[name] = [...observed.filter((r) => !ours(r)), ...wanted];
}

/**
 * A few published ports changed among a thousand: delete the rules that went and insert the new ones
 * where they belong, instead of rewriting the chain; the rules both keep stay, and must already be in the
 * wanted order. Only when the chain has the layout a rewrite would give it (the others' rules, then ours)
 * and no deleted rule also appears elsewhere in it (`-D` deletes the first rule of that text).
 */
function editInPlace(name: string, observed: FwRule[], wanted: FwRule[], ours: (r: FwRule) => boolean, out: ChainsDiff): boolean {
  const others = observed.filter((r) => !ours(r));
  const mine = observed.slice(others.length);
  // An emptied chain (flushed by hand) is simply refilled.
  if (mine.length === 0 || !mine.every(ours)) return false;
  const wantedSet = new Set(wanted);
  const mineSet = new Set(mine);
  const gone = mine.filter((r) => !wantedSet.has(r));
  const added = wanted.flatMap((r, i) => (mineSet.has(r) ? [] : [{ rule: r, i }]));
  if (gone.length + added.length > Math.max(8, wanted.length / 4)) return false;
  if (gone.some((r) => observed.indexOf(r) !== observed.lastIndexOf(r))) return false;
  if (!same(mine.filter((r) => wantedSet.has(r)), wanted.filter((r) => mineSet.has(r)))) return false;
  for (const rule of gone) out.deleteRules.push({ chain: name, rule });
  // In wanted order: each goes in once every rule before it is in place.
  for (const { rule, i } of added) out.insertRules.push({ chain: name, rule, position: others.length + i + 1 });
  return true;
}

/**
 * A tnet chain this spec does not want (destroy, or a layout change): removed when it holds only tnet's
 * own rules and no other spec shares the structure; otherwise only this spec's rules leave it. A bridge's
 * own chain (ownership/chains.ts, BRIDGE_CHAIN) is shared by no structure: it goes with the spec's rules
 * in it, and the jump to it (the spec's too) leaves in the same update.
 */
function unwantedChain(name: string, observed: FwRule[], ot: FwTableObserved, ctx: FwContext, out: ChainsDiff): void {
  const mine = (r: FwRule): boolean => ownerOf(r) === ctx.owner;
  const tnetOnly = observed.every((r) => mine(r) || ownerOf(r) === SHARED_OWNER);
  const shared = ctx.othersPresent && parseBridgeChain(name) === null;
  if (tnetOnly && !shared && !foreignReference(name, ot, ctx)) out.deleteChains.push(name);
  else if (observed.some(mine)) out.replaceChains[name] = observed.filter((r) => !mine(r));
}
