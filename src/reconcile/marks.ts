// Names and marks of what tnet creates: deterministic, within kernel limits, readable in `ip link`.

import { createHash } from 'node:crypto';

export type MarkKind = 'bridge' | 'veth' | 'netns' | 'netns-attached' | 'files';

export interface ParsedMark {
  spec: string;
  kind: MarkKind;
  name: string;
}

const PREFIX = 'tnet:';

/** The alias written on an object: `tnet:<spec>/<kind>/<name>`, readable in `ip link` output. */
export function mark(spec: string, kind: MarkKind, name: string): string {
  return `${PREFIX}${spec}/${kind}/${name}`;
}

export function parseMark(alias: string | null): ParsedMark | null {
  if (!alias?.startsWith(PREFIX)) return null;
  const [spec, kind, ...rest] = alias.slice(PREFIX.length).split('/');
  if (!spec || !kind || rest.length === 0) return null;
  return { spec, kind: kind as MarkKind, name: rest.join('/') };
}

/** Host end of a container's veth: `veth` + 7 hex digits, like Docker's, stable for spec/container/network. */
export function hostIfName(spec: string, container: string, network: string): string {
  const h = createHash('sha256').update(`${spec}/${container}/${network}`).digest('hex');
  return `veth${h.slice(0, 7)}`;
}

/** Docker's MAC scheme: 02:42 followed by the IPv4 address, so the MAC is stable with the address. */
export function macForIp(ip: string): string {
  return ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}
