// What to change in the spec to close a way that is open: read from the rules that accepted or DNATed the
// packet; a way nothing of tnet's opens is closed with iptables, in the admin's chain for forwarded traffic.

import type { RuleCause } from '../model/firewall.js';
import type { NetView, RuleStep } from '../model/why.js';
import { CHAIN } from '../ownership/chains.js';
import { linkWord, type Advice } from './advice-text.js';

export function toClose(t: Advice, view: NetView): string[] {
  // A container talking to itself never leaves its namespace: no field of the spec is on the way.
  if (t.request.length === 1 && t.request[0].at === t.query.src.name) return [];
  // The request's deciders only: what lets replies back (`-i br ! -o br` for a published port's) is not the way in.
  const request = new Set(t.request.flatMap((h) => h.rules));
  const steps = t.deciding.filter((s) => request.has(s) && s.certain && (s.effect === 'ACCEPT' || s.effect.startsWith('DNAT')));
  const out = new Set<string>();
  for (const s of steps) for (const line of closeBy(s, view)) out.add(line);
  const unseen = t.request.find((h) => h.text.includes('bridge-nf-call-iptables'));
  if (unseen) out.add('net.bridge.bridge-nf-call-iptables is not 1: tnet apply turns it on, and icc then applies');
  if (out.size === 0) out.add(closeByHand(t, steps));
  return [...out];
}

function closeBy(s: RuleStep, view: NetView): string[] {
  if (s.index === 0 || s.owner.kind === 'foreign' || !s.cause) return [];
  const c = s.cause;
  switch (c.kind) {
    case 'icc':
      return [`set ${c.field}: false (then only links open ${c.bridge}'s containers to each other)`];
    case 'link':
      return [linkClose(c, view)];
    case 'published':
      return [publishedClose(c)];
    case 'out':
      return [`set ${c.field}: true (${c.bridge}'s containers then reach nothing beyond it)`];
    default:
      return [];
  }
}

function linkClose(c: RuleCause, view: NetView): string {
  const link = view.spec?.spec.containers[c.container ?? '']?.links.find((l) => l.target === c.peer);
  const word = link ? linkWord(link) : `"${c.peer}"`;
  return `remove ${word} from ${c.field}${c.port ? ` (or ${c.port} from ${c.peer}'s expose and ports)` : ''}`;
}

function publishedClose(c: RuleCause): string {
  const parts = (c.port ?? '').split(':');
  const bound = parts.length === 3;
  const one = bound ? '' : `, or publish it on one address only ("127.0.0.1:${c.port}" opens it to the host alone)`;
  return `remove "${c.port}" from ${c.field}${one}`;
}

/** Policies and other tools' rules let it through: tnet has no field for it. */
function closeByHand(t: Advice, steps: RuleStep[]): string {
  const by = steps.map((s) => (s.index === 0 ? `${s.chain}'s policy ACCEPT` : `rule ${s.index} of ${s.chain}`)).join(', ') || 'no rule';
  const forwarded = t.request.some((h) => h.at === 'filter FORWARD');
  const cmd = forwarded
    ? `iptables -I ${CHAIN.user} -s ${t.query.src.ip} -d ${t.query.dst.ip} -j DROP (${CHAIN.user} is the admin's chain: tnet keeps its rules)`
    : `iptables -I ${t.request.some((h) => h.at === 'filter INPUT') ? 'INPUT' : 'OUTPUT'} ${t.query.src.kind === 'host' ? '' : `-s ${t.query.src.ip} `}-d ${t.query.dst.ip} -j DROP`;
  return `nothing of the spec lets it through (${by} does): close it with ${cmd}`;
}
