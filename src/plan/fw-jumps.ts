// Diffs the jumps from built-in chains into tnet's chains: missing ones inserted, misplaced ones moved, stale ones deleted.

import type { FwJump, FwRule, FwTableDesired, FwTableObserved } from '../model/firewall.js';
import type { FwTableUpdate } from '../model/action.js';
import { isTnetChain, ownerOf, SHARED_OWNER } from '../ownership/rule-owner.js';
import type { FwContext } from './fw-chains.js';

type JumpsDiff = Pick<FwTableUpdate, 'deleteRules' | 'insertRules'>;

const builtinNames = (ot: FwTableObserved): string[] =>
  Object.entries(ot.chains).filter(([, c]) => c.policy !== null).map(([n]) => n);

const jumpTarget = (rule: FwRule): string | null => / -j (\S+)$/.exec(rule)?.[1] ?? null;

/** On destroy the desired table is gone: keep (where they are) the jumps into tnet chains that survive. */
function survivingJumps(ot: FwTableObserved, survivors: Set<string>, ctx: FwContext): FwJump[] {
  return builtinNames(ot).flatMap((from) =>
    [...new Set(ot.chains[from].rules)]
      .filter((r) => isTnetRule(r, ctx) && survivors.has(jumpTarget(r) ?? ''))
      .map((rule): FwJump => ({ from, rule, position: 'any' })),
  );
}

const isTnetRule = (r: FwRule, ctx: FwContext): boolean => [SHARED_OWNER, ctx.owner].includes(ownerOf(r) ?? '');

/** -D deletes the first rule with that text: simulate it so insert positions are right. */
function removeFirst(list: FwRule[], rule: FwRule): void {
  const i = list.indexOf(rule);
  if (i >= 0) list.splice(i, 1);
}

export function diffJumps(
  dt: FwTableDesired | undefined,
  ot: FwTableObserved,
  survivors: Set<string>,
  ctx: FwContext,
): JumpsDiff {
  const wanted = dt ? dt.jumps.filter((j) => isTnetChain(jumpTarget(j.rule) ?? '')) : survivingJumps(ot, survivors, ctx);
  const chains = [...new Set([...wanted.map((j) => j.from), ...builtinNames(ot)])];
  const out: JumpsDiff = { deleteRules: [], insertRules: [] };
  for (const chain of chains) {
    const d = chainJumps(chain, ot.chains[chain]?.rules ?? [], wanted.filter((j) => j.from === chain), ctx);
    out.deleteRules.push(...d.deleteRules);
    out.insertRules.push(...d.insertRules);
  }
  return out;
}

function chainJumps(chain: string, rules: FwRule[], wanted: FwJump[], ctx: FwContext): JumpsDiff {
  const cur = [...rules];
  const deletes: FwRule[] = [];
  const del = (rule: FwRule): void => {
    deletes.push(rule);
    removeFirst(cur, rule);
  };
  const wantedRules = new Set(wanted.map((j) => j.rule));
  for (const r of rules) if (isTnetRule(r, ctx) && !wantedRules.has(r)) del(r);

  const firsts = wanted.filter((j) => j.position === 'first').map((j) => j.rule);
  const k = placedPrefix(cur, firsts);
  for (const rule of firsts.slice(k)) while (cur.includes(rule)) del(rule);

  const anys = wanted.filter((j) => j.position === 'any').map((j) => j.rule);
  for (const rule of anys) while (cur.filter((r) => r === rule).length > 1) del(rule);

  const inserts = [
    ...firsts.slice(k).map((rule, i) => ({ chain, rule, position: k + i + 1 as number | 'end' })),
    ...anys.filter((rule) => !cur.includes(rule)).map((rule) => ({ chain, rule, position: 'end' as const })),
  ];
  return { deleteRules: deletes.map((rule) => ({ chain, rule })), insertRules: inserts };
}

/** How many of the 'first' jumps already open the chain in order, each exactly once. */
function placedPrefix(cur: FwRule[], firsts: FwRule[]): number {
  let k = 0;
  while (k < firsts.length && cur[k] === firsts[k]) k++;
  const duplicated = firsts.slice(0, k).some((r) => cur.indexOf(r) !== cur.lastIndexOf(r));
  return duplicated ? 0 : k;
}
