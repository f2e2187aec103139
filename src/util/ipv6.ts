// IPv6 addresses and CIDR blocks as 128-bit bigints: parse, format as RFC 5952 (as `ip` and ip6tables-save print), compare.

/** A block of addresses: `network` has its host bits cleared. */
export interface Cidr6 {
  network: bigint;
  prefix: number;
}

const MAX = (1n << 128n) - 1n;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Text → 128-bit number, or null. Accepts `::` compression and a trailing dotted quad; no zone (`%eth0`). */
export function parseIpv6(text: string): bigint | null {
  if (!text.includes(':') || text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

/** `a:b:1.2.3.4` → its 16-bit groups; '' → none; null when a part is not a group. */
function groupsOf(part: string): number[] | null {
  if (part === '') return [];
  const words = part.split(':');
  const out: number[] = [];
  for (const [i, w] of words.entries()) {
    if (i === words.length - 1 && w.includes('.')) {
      const quad = w.split('.').map((o) => (/^(0|[1-9][0-9]{0,2})$/.test(o) ? Number(o) : 256));
      if (quad.length !== 4 || quad.some((o) => o > 255)) return null;
      out.push(quad[0] * 256 + quad[1], quad[2] * 256 + quad[3]);
    } else if (GROUP.test(w)) out.push(parseInt(w, 16));
    else return null;
  }
  return out;
}

export function isIpv6(text: string): boolean {
  return parseIpv6(text) !== null;
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first) as `::`. */
export function formatIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/** An address as the kernel prints it; the text unchanged when it is no IPv6 address (validation says so). */
export function canonicalIpv6(text: string): string {
  const n = parseIpv6(text);
  return n === null ? text : formatIpv6(n);
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (MAX << BigInt(128 - prefix)) & MAX;
}

/** `addr/p` as written, host bits kept. */
export function parseIpv6Prefix(text: string): { ip: bigint; prefix: number } | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIpv6(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (ip === null || !/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 128) return null;
  return { ip, prefix: Number(p) };
}

/** `addr/p` → block with host bits cleared, or null. */
export function parseCidr6(text: string): Cidr6 | null {
  const raw = parseIpv6Prefix(text);
  return raw ? { network: raw.ip & mask6(raw.prefix), prefix: raw.prefix } : null;
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIpv6(c.network)}/${c.prefix}`;
}

/** A CIDR as the kernel prints it; the text unchanged when it is none (validation says so). */
export function canonicalCidr6(text: string): string {
  const raw = parseIpv6Prefix(text);
  return raw ? `${formatIpv6(raw.ip)}/${raw.prefix}` : text;
}

/** The block's last address. IPv6 has no broadcast: it is an address like the others. */
export function last6(c: Cidr6): bigint {
  return c.network | (MAX >> BigInt(c.prefix));
}

export function contains6(c: Cidr6, ip: bigint): boolean {
  return ip >= c.network && ip <= last6(c);
}

export function containsCidr6(outer: Cidr6, inner: Cidr6): boolean {
  return contains6(outer, inner.network) && contains6(outer, last6(inner));
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return a.network <= last6(b) && b.network <= last6(a);
}

/** fe80::/10: the kernel's own per-link addresses, never tnet's. */
export function isLinkLocal6(text: string): boolean {
  const n = parseIpv6(text);
  return n !== null && n >> 118n === 0x3fan;
}

/**
 * The link-local address the kernel derives from a MAC (EUI-64, the universal/local bit flipped), as fe80::/64
 * CIDR: tnet gives it to a bridge itself, without DAD (see diff-bridges.ts).
 */
export function linkLocal6(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const iid = [b[0]! ^ 2, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  let n = 0xfe80n << 112n;
  for (const [i, v] of iid.entries()) n |= BigInt(v) << BigInt(8 * (7 - i));
  return `${formatIpv6(n)}/64`;
}
