// `tnet why` as text: the verdict, the way there and back hop by hop with the rules that decide and the
// spec fields behind them, drift from the spec, the advice, and what a real packet did (--probe).

import type { RuleCause } from '../model/firewall.js';
import type { Hop, ProbeResult, RuleStep, WhyQuery, WhyTrace } from '../model/why.js';

const VERDICT = { allowed: 'ALLOWED', blocked: 'BLOCKED', unknown: 'CANNOT TELL' } as const;

export function renderWhy(t: WhyTrace, probe: ProbeResult | null): string {
  const out = [`${question(t.query)}: ${VERDICT[t.verdict]}`, '', ...hops(t.request)];
  if (t.reply.length) out.push('', 'reply:', ...hops(t.reply));
  if (t.arrival) out.push('', `arrives at ${t.arrival.kind === 'host' ? 'the host' : t.arrival.name} (${t.arrival.ip}${t.arrival.port === null ? '' : `:${t.arrival.port}`}), seen from ${t.arrival.seenFrom}`);
  if (t.drift) out.push('', ...driftLines(t));
  if (t.advice.length) out.push('', t.verdict === 'allowed' ? 'to close it:' : t.verdict === 'blocked' ? 'to open it:' : 'to tell:', ...t.advice.map((a) => `  ${a}`));
  if (probe) out.push('', ...probeLines(t, probe));
  if (t.notes.length) out.push('', ...t.notes.map((n) => `note: ${n}`));
  return `${out.join('\n')}\n`;
}

function question(q: WhyQuery): string {
  const end = (e: WhyQuery['src']) => (e.name === e.ip ? e.ip : `${e.name} (${e.ip})`);
  const what = q.port === null ? 'ping' : `${q.proto} ${q.port}`;
  return `${end(q.src)} → ${end(q.dst)}, ${what}`;
}

function hops(list: Hop[]): string[] {
  const width = Math.min(28, Math.max(...list.map((h) => h.at.length)));
  return list.flatMap((h) => [`  ${mark(h)} ${h.at.padEnd(width)}  ${h.text}`, ...rules(h.rules)]);
}

const mark = (h: Hop): string => (h.outcome === 'drop' ? '✗' : h.outcome === 'unknown' ? '?' : '·');

/** The jumps taken as one line, then the deciding rule in full with who wrote it and why. */
function rules(steps: RuleStep[]): string[] {
  if (steps.length === 0) return [];
  const last = steps[steps.length - 1];
  const via = steps.slice(0, -1).filter((s) => s.certain).map((s) => `${s.chain} ${s.index} → ${s.effect}`);
  const unsure = steps.filter((s) => !s.certain);
  return [
    ...(via.length ? [`      via ${via.join(', ')}`] : []),
    ...unsure.filter((s) => s !== last).flatMap((s) => ruleLines(s)),
    ...ruleLines(last),
  ];
}

export function ruleLines(s: RuleStep): string[] {
  if (s.index === 0) return [`      ${s.chain}'s policy: ${s.rule}${s.table === 'filter' ? ' (not tnet\'s)' : ''}`];
  const head = `      -A ${s.chain} ${s.rule}${s.table === 'filter' ? '' : `   [${s.table}]`}`;
  const unsure = s.certain ? [] : [`        cannot tell whether it matches: ${s.reason}`];
  return [head, `        ${owner(s)}`, ...unsure];
}

function owner(s: RuleStep): string {
  const where = `rule ${s.index} of ${s.chain}`;
  if (s.owner.kind === 'foreign') return `${where}: not tnet's (another tool's rule)`;
  if (s.drift) return `${where}: carries spec ${specOf(s)}'s comment, but the spec does not write it (drift)`;
  const cause = s.cause ? causeText(s.cause) : '';
  return `${where}, ${s.owner.kind === 'tnet' ? "tnet's" : `spec ${specOf(s)}`}: ${cause}`;
}

const specOf = (s: RuleStep): string => (s.owner.kind === 'spec' ? s.owner.spec : 'tnet');

export function causeText(c: RuleCause): string {
  const field = c.field ? ` (${c.field})` : '';
  switch (c.kind) {
    case 'icc':
      return `icc of ${c.bridge}${field}`;
    case 'link':
      return `link ${c.container} → ${c.peer}${c.port ? ` on ${c.port}` : ''}${field}`;
    case 'published':
      return `published port ${c.port} of ${c.container}${(c.port ?? '').split(':').length === 3 ? `, bound to ${c.port!.split(':')[0]}` : ''}${field}`;
    case 'isolation':
      return `isolation: ${c.bridge} is apart from the other bridges${field}`;
    case 'internal':
      return `internal bridge ${c.bridge}${field}`;
    case 'established':
      return `replies of accepted connections into ${c.bridge}${field}`;
    case 'hairpin':
      return `icc off: a published port reached through a host address from ${c.bridge} itself${field}`;
    case 'out':
      return `${c.bridge}'s containers out to anything else${field}`;
    case 'masquerade':
      return `masquerade out of ${c.bridge}${field}`;
    case 'loopback':
      return `127.0.0.0/8 and ${c.bridge} (route_localnet)${field}`;
    case 'dns':
      return `tnet's DNS server on ${c.bridge}'s gateway${field}`;
    default:
      return "tnet's chain layout";
  }
}

function driftLines(t: WhyTrace): string[] {
  const d = t.drift!;
  const out = [`drift: the host differs from the spec on this way; once applied: ${VERDICT[d.afterApply]}`];
  for (const s of d.missing) out.push(`  missing: -A ${s.chain} ${s.rule}`, `    ${owner(s)}`);
  for (const s of d.extra) out.push(`  not the spec's: -A ${s.chain} ${s.rule}`);
  return out;
}

function probeLines(t: WhyTrace, p: ProbeResult): string[] {
  if (p.reached === null) return [`probe: not sent: ${p.detail}`];
  const kernel = p.reached ? 'reached' : 'did not get there';
  const agree = p.agrees === null ? 'cannot compare' : p.agrees ? 'the kernel agrees' : `the kernel DISAGREES with ${VERDICT[t.verdict]}`;
  const tcp = t.query.proto === 'tcp' ? ['  (a reset counts as reached: the packet got there, and nothing listens; only silence means blocked)'] : [];
  return [`probe: ${p.detail}: ${kernel}; ${agree}`, ...tcp];
}
