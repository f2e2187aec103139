// Small pieces the advice is written with: ports as the spec writes them, links, iptables commands.

import type { ContainerSpec, LinkSpec } from '../model/spec.js';
import type { RuleStep, WhyProto, WhyTrace } from '../model/why.js';

/** The trace the advice is read from (the advice itself aside). */
export type Advice = Omit<WhyTrace, 'advice'>;

/** `80` for tcp, `"53/udp"` otherwise: as `expose:` takes it. */
export function portWord(p: { port: number; proto: WhyProto | string }): string {
  return p.proto === 'tcp' ? String(p.port) : `"${p.port}/${p.proto}"`;
}

/** The ports a link opens: the exposed ones and the container ports published. */
export function declaredPorts(c: ContainerSpec): { port: number; proto: string }[] {
  const all = new Map<string, { port: number; proto: string }>();
  for (const e of c.expose) all.set(`${e.port}/${e.proto}`, { port: e.port, proto: e.proto });
  for (const p of c.ports) all.set(`${p.containerPort}/${p.proto}`, { port: p.containerPort, proto: p.proto });
  return [...all.values()];
}

export const linkWord = (l: LinkSpec): string => (l.alias === l.target ? `"${l.target}"` : `"${l.target}:${l.alias}"`);

export function iptablesDelete(s: RuleStep): string {
  return `iptables${s.table === 'filter' ? '' : ` -t ${s.table}`} -D ${s.chain} ${s.rule}`;
}
