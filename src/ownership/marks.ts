// Names and marks of what tnet creates: deterministic, within kernel limits, readable in `ip link`.

import { createHash } from 'node:crypto';

export type MarkKind = 'bridge' | 'veth' | 'vxlan' | 'uplink' | 'netns' | 'netns-attached' | 'files';

export interface ParsedMark {
  spec: string;
  kind: MarkKind;
  name: string;
}

/** What starts every mark and rule owner tnet writes: `tnet:<spec>…`. */
export const MARK_PREFIX = 'tnet:';
// Not '#': `ip -batch` reads it as the start of a comment.
const SEAL = '@';

/** The alias written on an object: `tnet:<spec>/<kind>/<name>`, readable in `ip link` output. */
export function mark(spec: string, kind: MarkKind, name: string): string {
  return `${MARK_PREFIX}${spec}/${kind}/${name}`;
}

/** Remembered: every reconcile parses the same thousand aliases several times. Bounded by clearing. */
const parsedMarks = new Map<string, Readonly<ParsedMark> | null>();

export function parseMark(alias: string | null): Readonly<ParsedMark> | null {
  if (!alias?.startsWith(MARK_PREFIX)) return null;
  let m = parsedMarks.get(alias);
  if (m === undefined) {
    if (parsedMarks.size > 100_000) parsedMarks.clear();
    const [spec, kind, ...rest] = alias.slice(MARK_PREFIX.length).split(SEAL, 1)[0].split('/');
    m = !spec || !kind || rest.length === 0 ? null : Object.freeze({ spec, kind: kind as MarkKind, name: rest.join('/') });
    parsedMarks.set(alias, m);
  }
  return m;
}

const ifNames = new Map<string, string>();

/** Host end of a container's veth: `veth` + 7 hex digits, like Docker's, stable for spec/container/network. */
export function hostIfName(spec: string, container: string, network: string): string {
  const key = `${spec}/${container}/${network}`;
  let name = ifNames.get(key);
  if (!name) {
    // Remembered: a watch computes the same thousand names on every reconcile.
    name = `veth${createHash('sha256').update(key).digest('hex').slice(0, 7)}`;
    ifNames.set(key, name);
  }
  return name;
}

/**
 * What names a container's endpoint in veth marks and allocations: the container's name for eth0 (as before
 * several networks per container existed), `<container>/<network>` for eth1 and on.
 */
export function endpointKey(container: string, network: string, index: number): string {
  return index === 0 ? container : `${container}/${network}`;
}

/** The namespace an endpoint key's veth leads into: container names hold no '/'. */
export function netnsOfKey(key: string): string {
  return key.split('/', 1)[0];
}

/** The VXLAN device of an overlay: `vx-<overlay>`. */
export function vxlanName(overlay: string): string {
  return `vx-${overlay}`;
}

/** What an uplink gave its bridge, kept in the uplink's alias: the kernel is tnet's only state. */
export interface UplinkRecord {
  spec: string;
  bridge: string;
  addrs: string[];
  via: string | null;
}

/** `tnet:<spec>/uplink/<bridge>@<addr>,<addr>@<default gateway>` ('-' for none), on the uplink itself. */
export function uplinkRecord(r: UplinkRecord): string {
  return [mark(r.spec, 'uplink', r.bridge), r.addrs.join(',') || '-', r.via ?? '-'].join(SEAL);
}

export function parseUplinkRecord(alias: string | null): UplinkRecord | null {
  const m = parseMark(alias);
  const parts = alias?.split(SEAL) ?? [];
  if (m?.kind !== 'uplink' || parts.length !== 3) return null;
  return { spec: m.spec, bridge: m.name, addrs: parts[1] === '-' ? [] : parts[1].split(','), via: parts[2] === '-' ? null : parts[2] };
}

/** Docker's MAC scheme: 02:42 followed by the IPv4 address, so the MAC is stable with the address. */
export function macForIp(ip: string): string {
  return ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/**
 * A host veth end is sealed once its namespace side is configured: the alias then also carries the
 * container's address, its namespace's kind and a digest of everything inside
 * (`tnet:q/veth/web@172.17.0.2/16@netns@1a2b3c4d`). A seal that
 * matches the spec vouches for the namespace, which a re-apply then need not enter (`--deep` enters anyway).
 */
const digests = new Map<string, string>();

export function sealAlias(mark: string, address: string, netnsKind: MarkKind, inside: unknown): string {
  const text = JSON.stringify(inside);
  let digest = digests.get(text);
  if (digest === undefined) {
    // Remembered like interface names: a watch seals the same thousand endpoints on every reconcile.
    if (digests.size > 100_000) digests.clear();
    digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
    digests.set(text, digest);
  }
  return [mark, address, netnsKind, digest].join(SEAL);
}

export interface Seal {
  address: string;
  /** How the namespace came to be: `netns` (tnet created it) or `netns-attached` (given by path). */
  netnsKind: MarkKind;
}

/** What a seal records: the address (allocation keeps it) and the namespace's kind (prune needs it). */
export function parseSeal(alias: string | null): Seal | null {
  const parts = alias?.split(SEAL) ?? [];
  return parts.length === 4 ? { address: parts[1], netnsKind: parts[2] as MarkKind } : null;
}
