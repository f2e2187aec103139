// The advice lines: what to change in the spec to open the way or close it, a port bound to another
// address, drift that `tnet apply` would undo, and rules `why` cannot evaluate.

import type { NetView } from '../model/why.js';
import { publishedRules } from '../observe/published.js';
import { toClose } from './advice-close.js';
import { toOpen } from './advice-open.js';
import type { Advice } from './advice-text.js';

export function advise(t: Advice, view: NetView): string[] {
  const main = t.verdict === 'blocked' ? toOpen(t, view) : t.verdict === 'allowed' ? toClose(t, view) : unsure(t);
  return [...new Set([...main, ...boundElsewhere(t, view), ...driftAdvice(t, view)])];
}

function unsure(t: Advice): string[] {
  const steps = [...t.request, ...t.reply].flatMap((h) => h.rules).filter((s) => !s.certain);
  const lines = steps.map((s) => `rule ${s.index} of ${s.chain} uses what why cannot evaluate (${s.reason}): check it by hand, or run with --probe`);
  return lines.length ? lines : ['part of the way could not be read: run with --probe'];
}

/** A port published on another of the host's addresses only: the packet reaches the host, not the container. */
function boundElsewhere(t: Advice, view: NetView): string[] {
  const { dst, port, proto } = t.query;
  if (dst.kind !== 'host' || port === null || t.arrival?.kind !== 'host') return [];
  const nat = view.firewall?.tables.find((x) => x.table === 'nat');
  const rules = publishedRules(nat).filter((r) => r.hostPort === port && r.proto === proto && r.hostIp !== null && r.hostIp !== dst.ip);
  return rules.map((r) => {
    const who = view.endpoints.find((e) => e.ip === r.toIp)?.container ?? r.toIp;
    return `${who} publishes ${port}/${proto} on ${r.hostIp} only: connect to ${r.hostIp}:${port}, or publish it on every address ("${port}:${r.toPort}${proto === 'tcp' ? '' : `/${proto}`}" in containers.${who}.ports)`;
  });
}

function driftAdvice(t: Advice, view: NetView): string[] {
  const d = t.drift;
  if (!d) return [];
  const spec = view.spec?.spec.name ?? '';
  if (d.afterApply !== t.verdict) return [`the host differs from spec '${spec}': tnet apply puts its rules back, and the packet is then ${d.afterApply}`];
  return [`the host differs from spec '${spec}' on this packet's way: tnet apply puts its rules back (the verdict stays ${t.verdict})`];
}
