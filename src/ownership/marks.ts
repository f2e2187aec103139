// Names and marks of what tnet creates: deterministic, within kernel limits, readable in `ip link`.

import { sha256Hex } from '../util/sha256.js';

import type { MarkKind, ParsedMark } from '../model/desired.js';

export type { MarkKind, ParsedMark };

/** What starts every mark and rule owner tnet writes: `tnet:<spec>…`. */
export const MARK_PREFIX = 'tnet:';
// Not '#': `ip -batch` reads it as the start of a comment.
const SEAL = '@';

/** The alias written on an object: `tnet:<spec>/<kind>/<name>`, readable in `ip link` output. */
export function mark(spec: string, kind: MarkKind, name: string): string {
  return `${MARK_PREFIX}${spec}/${kind}/${name}`;
}

/**
 * A link's mark is parsed once, where the link is read (ObservedLink.owner): every reconcile looks at the
 * same thousand aliases several times.
 */
export function parseMark(alias: string | null): Readonly<ParsedMark> | null {
  if (alias === null || !alias.startsWith(MARK_PREFIX)) return null;
  // `tnet:<spec>/<kind>/<name>`, up to a seal if any. Cut by index, not split: ten thousand links are read
  // on every apply, and the arrays split() makes took most of the time.
  const from = MARK_PREFIX.length;
  const seal = alias.indexOf(SEAL, from);
  const end = seal < 0 ? alias.length : seal;
  const slash1 = alias.indexOf('/', from);
  const slash2 = slash1 < 0 || slash1 >= end ? -1 : alias.indexOf('/', slash1 + 1);
  if (slash2 < 0 || slash2 >= end || slash1 === from || slash2 === slash1 + 1) return null;
  return Object.freeze({ spec: alias.slice(from, slash1), kind: alias.slice(slash1 + 1, slash2) as MarkKind, name: alias.slice(slash2 + 1, end) });
}

/**
 * The device group veths are put in just before they are deleted: `ip link del group` deletes a whole group
 * in one kernel batch, where deleting veths one by one costs tens of ms each. ASCII "tnet"; a host link found
 * in it that tnet is not deleting makes the plan delete veths one by one instead (plan.ts).
 */
export const REAP_GROUP = 0x746e6574;

/**
 * A candidate name for the host end of a container's veth: `veth` + 7 hex digits, like Docker's. Only 28
 * bits, so two endpoints can share a candidate: desired/veth-names.ts walks `attempt` 0, 1, … until one is
 * free. Attempt 0 hashes exactly what names made before there were further attempts hashed.
 */
export function hostIfName(spec: string, container: string, network: string, attempt = 0): string {
  const input = attempt === 0 ? `${spec}/${container}/${network}` : `${spec}/${container}/${network}#${attempt}`;
  return `veth${sha256Hex(input).slice(0, 7)}`;
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

/** Each octet's two hex digits, looked up: a MAC is made for every endpoint desired. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Docker's MAC scheme: 02:42 followed by the IPv4 address, so the MAC is stable with the address. */
export function macForIp(ip: string): string {
  const o = ip.split('.');
  return `02:42:${HEX[Number(o[0])]}:${HEX[Number(o[1])]}:${HEX[Number(o[2])]}:${HEX[Number(o[3])]}`;
}

/**
 * A host veth end is sealed once its namespace side is configured: the alias then also carries the
 * container's address, its namespace's kind and a digest of everything inside
 * (`tnet:q/veth/web@172.17.0.2/16@netns@1a2b3c4d`). A seal that
 * matches the spec vouches for the namespace, which a re-apply then need not enter (`--deep` enters anyway).
 * Watch mode computes seals of unchanged containers once (desired/cache.ts).
 */
export function sealAlias(mark: string, address: string, netnsKind: MarkKind, inside: unknown, address6: string | null = null): string {
  const digest = sha256Hex(JSON.stringify(inside)).slice(0, 8);
  // The IPv6 address, on dual-stack endpoints only, comes last: IPv4-only seals read as they always did.
  return [mark, address, netnsKind, digest, ...(address6 ? [address6] : [])].join(SEAL);
}

export interface Seal {
  address: string;
  /** ip6/prefix of a dual-stack endpoint; null for IPv4 only. */
  address6: string | null;
  /** How the namespace came to be: `netns` (tnet created it) or `netns-attached` (given by path). */
  netnsKind: MarkKind;
}

/** What a seal records: the address (allocation keeps it) and the namespace's kind (prune needs it). */
export function parseSeal(alias: string | null): Seal | null {
  const parts = alias?.split(SEAL) ?? [];
  if (parts.length !== 4 && parts.length !== 5) return null;
  return { address: parts[1], netnsKind: parts[2] as MarkKind, address6: parts[4] ?? null };
}
