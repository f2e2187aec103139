// `tnet why`'s core, pure: the host as observed and a packet → its way there and back hop by hop, the
// verdict, the rules that decide with the spec fields behind them, drift from the spec, and the advice.

import type { Drift, Hop, NetView, RuleStep, Verdict, WhyQuery, WhyTrace } from '../model/why.js';
import type { WalkContext } from './chains.js';
import { describer } from './causes.js';
import { hostIsLocal } from './host-net.js';
import { request } from './path.js';
import { replyLeg } from './reply.js';
import { appliedView } from './applied.js';
import { advise } from './advice.js';

type Core = Pick<WhyTrace, 'query' | 'verdict' | 'request' | 'reply' | 'arrival' | 'deciding'>;

export function why(view: NetView, q: WhyQuery): WhyTrace {
  const core = trace(view, q);
  const partial = { ...core, drift: driftOf(view, q, core), notes: notesOf(q) };
  return { ...partial, advice: advise(partial, view) };
}

function trace(view: NetView, q: WhyQuery): Core {
  const isLocal = hostIsLocal(view);
  const walk: WalkContext = {
    isLocal,
    ephemeral: view.ephemeral,
    chains: (t) => view.firewall?.tables.find((x) => x.table === t)?.chains ?? null,
    describe: describer(view),
  };
  const c = { view, walk, isLocal, q };
  const leg = request(c);
  const reply = leg.flow ? replyLeg(c, leg.flow) : [];
  return { query: q, verdict: verdictOf([...leg.hops, ...reply], leg.arrival !== null), request: leg.hops, reply, arrival: leg.arrival, deciding: decidingOf([...leg.hops, ...reply]) };
}

/** A drop after a hop that cannot be told might never have been reached: then the verdict cannot be told either. */
function verdictOf(hops: Hop[], arrived: boolean): Verdict {
  const drop = hops.findIndex((h) => h.outcome === 'drop');
  const unknown = hops.findIndex((h) => h.outcome === 'unknown');
  if (drop >= 0) return unknown >= 0 && unknown < drop ? 'unknown' : 'blocked';
  return unknown >= 0 || !arrived ? 'unknown' : 'allowed';
}

/** Each hook's last rule (the one that ended it, or the policy), nat's only when it translated, and every uncertain one. */
function decidingOf(hops: Hop[]): RuleStep[] {
  return hops.flatMap((h) => {
    const last = h.rules[h.rules.length - 1];
    if (!last) return [];
    const unsure = h.rules.filter((s) => !s.certain && s !== last);
    const decides = last.table === 'filter' || last.effect.startsWith('DNAT') || last.effect.startsWith('SNAT') || last.effect === 'MASQUERADE' || !last.certain;
    return [...unsure, ...(decides ? [last] : [])];
  });
}

/** With a spec: the same packet once `tnet apply` has put its rules back; null when nothing on the way differs. */
function driftOf(view: NetView, q: WhyQuery, now: Core): Drift | null {
  const applied = appliedView(view);
  if (!applied) return null;
  const after = trace(applied, q);
  const steps = (t: Core) => [...t.request, ...t.reply].flatMap((h) => h.rules);
  const held = (s: RuleStep) => view.firewall?.tables.find((t) => t.table === s.table)?.chains[s.chain]?.rules.includes(s.rule) ?? false;
  const missing = steps(after).filter((s) => s.index > 0 && s.owner.kind !== 'foreign' && !held(s));
  const extra = steps(now).filter((s) => s.drift);
  if (missing.length === 0 && extra.length === 0 && after.verdict === now.verdict) return null;
  return { afterApply: after.verdict, missing, extra };
}

function notesOf(q: WhyQuery): string[] {
  const notes: string[] = [];
  if (q.src.kind === 'outside') notes.push(`assumes ${q.src.ip} sends the packet to this host: it must route ${q.dst.ip} through it`);
  return notes;
}
