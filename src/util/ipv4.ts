// IPv4 addresses and CIDR blocks as plain unsigned 32-bit numbers: parse, format, compare.

/** A block of addresses: `network` has its host bits cleared. */
export interface Cidr {
  network: number;
  prefix: number;
}

/**
 * Dotted quad → number, or null. Leading zeros are refused: some tools read them as octal. Read a character
 * at a time, not split and matched: allocation parses every address of every container, ten thousand on an apply.
 */
export function parseIpv4(text: string): number | null {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || octet > 255 || ++dots > 3) return null;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3 && !(digits === 1 && octet === 0)) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else return null;
  }
  if (digits === 0 || dots !== 3 || octet > 255) return null;
  return n * 256 + octet;
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The mask of a prefix length as a number: 24 → 255.255.255.0. */
export function netmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `a.b.c.d/p` as written, host bits kept: lets callers tell `10.0.0.5/24` from `10.0.0.0/24`. */
export function parseIpv4Prefix(text: string): { ip: number; prefix: number } | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIpv4(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (ip === null || !/^(0|[1-9][0-9]?)$/.test(p) || Number(p) > 32) return null;
  return { ip, prefix: Number(p) };
}

/** `a.b.c.d/p` → block with host bits cleared, or null. */
export function parseCidr(text: string): Cidr | null {
  const raw = parseIpv4Prefix(text);
  if (!raw) return null;
  return { network: (raw.ip & netmask(raw.prefix)) >>> 0, prefix: raw.prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

/** Number of addresses in the block, network and broadcast included. */
export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function broadcast(c: Cidr): number {
  return (c.network + size(c) - 1) >>> 0;
}

/** First usable host address; a /31 or /32 has no network/broadcast to skip (RFC 3021). */
export function firstHost(c: Cidr): number {
  return c.prefix >= 31 ? c.network : c.network + 1;
}

export function lastHost(c: Cidr): number {
  return c.prefix >= 31 ? broadcast(c) : broadcast(c) - 1;
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.network && ip <= broadcast(c);
}

/** True when every address of `inner` is in `outer`. */
export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return contains(outer, inner.network) && contains(outer, broadcast(inner));
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= broadcast(b) && b.network <= broadcast(a);
}
