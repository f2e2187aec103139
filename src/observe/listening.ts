// Reads the ports sockets of the host's namespace hold (/proc/net/{tcp,udp}{,6}), and who holds them.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import type { ListeningSocket, SocketOwner } from '../model/observed.js';

const TABLES = [
  { file: '/proc/net/tcp', proto: 'tcp', v6: false },
  { file: '/proc/net/tcp6', proto: 'tcp', v6: true },
  { file: '/proc/net/udp', proto: 'udp', v6: false },
  { file: '/proc/net/udp6', proto: 'udp', v6: true },
] as const;

/** TCP_LISTEN in the `st` column; a udp socket has no listening state, only a bind without a peer. */
const TCP_LISTEN = '0A';

/** How the kernel prints addresses: each 32-bit word as an integer in the host's byte order. */
export interface Decoding {
  littleEndian: boolean;
  /** /proc/sys/net/ipv6/bindv6only: whether a `::` socket leaves the IPv4 ports alone by default. */
  v6only: boolean;
}

/**
 * The listening sockets of the namespace tnet runs in: /proc/net shows the reader's namespace only, so the
 * sockets of containers are not among them. A table that is missing (no IPv6) holds nothing.
 */
export async function readListening(): Promise<ListeningSocket[]> {
  const [v6only, ...texts] = await Promise.all([
    readFile('/proc/sys/net/ipv6/bindv6only', 'utf8').catch(() => '0'),
    ...TABLES.map((t) => readFile(t.file, 'utf8').catch(() => '')),
  ]);
  const how: Decoding = { littleEndian: endianness() === 'LE', v6only: v6only.trim() === '1' };
  return TABLES.flatMap((t, i) => parseProcNet(texts[i], t.proto, t.v6, how));
}

/** One /proc/net table: tcp sockets in LISTEN, udp sockets with no remote address; the header skipped. */
export function parseProcNet(text: string, proto: 'tcp' | 'udp', v6: boolean, how: Decoding): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local, remote, state, inode] = [f[1], f[2], f[3], Number(f[9])];
    const holds = proto === 'tcp' ? state === TCP_LISTEN : /^0+:0+$/.test(remote);
    const at = holds ? splitEndpoint(local, how.littleEndian) : null;
    if (at) out.push({ proto, ip: at.ip, ipv4: ipv4Held(at.ip, v6, how.v6only), port: at.port, inode, owner: null });
  }
  return out;
}

function splitEndpoint(text: string, le: boolean): { ip: string; port: number } | null {
  const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!m) return null;
  return { ip: m[1].length === 8 ? formatV4(wordBytes(m[1], le)) : formatV6(m[1], le), port: parseInt(m[2], 16) };
}

/** The four bytes of one printed word, in network order. */
function wordBytes(hex: string, le: boolean): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return le ? bytes.reverse() : bytes;
}

const formatV4 = (b: number[]): string => b.join('.');

function formatV6(hex: string, le: boolean): string {
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hex.slice(i, i + 8), le));
  const groups = [0, 2, 4, 6, 8, 10, 12, 14].map((i) => (bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${formatV4(bytes.slice(12))}`;
  return compressV6(groups);
}

/** RFC 5952: the longest run of two or more zero groups becomes `::`. */
function compressV6(groups: number[]): string {
  let [best, bestLen] = [-1, 1];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Which IPv4 port a socket holds. A `::` socket takes the IPv4 one too unless it is IPv6-only, which /proc
 * does not show per socket: the default (bindv6only) decides, as it decides whether binding 0.0.0.0 then fails.
 */
function ipv4Held(ip: string, v6: boolean, v6only: boolean): string | null {
  if (!v6) return ip;
  if (ip === '::') return v6only ? null : '0.0.0.0';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : null;
}

/** Links read at most while looking for owners: a host with a million open files answers "unknown". */
const OWNER_BUDGET = 200_000;

/**
 * The process holding each socket inode: the first pid with an fd linking to `socket:[inode]`. Only for
 * the few sockets in the way (an error is coming), so the walk over /proc is paid only then; unreadable
 * processes and an exhausted budget leave an inode without an owner.
 */
export function socketOwners(inodes: readonly number[]): Map<number, SocketOwner> {
  const wanted = new Set(inodes);
  const found = new Map<number, SocketOwner>();
  let budget = OWNER_BUDGET;
  for (const pid of pids()) {
    for (const inode of socketsOf(pid, (n) => (budget -= n) >= 0)) {
      if (!wanted.has(inode) || found.has(inode)) continue;
      found.set(inode, { pid, comm: commOf(pid) });
    }
    if (found.size === wanted.size || budget < 0) break;
  }
  return found;
}

function pids(): number[] {
  const names = safe(() => readdirSync('/proc'), [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

/** The socket inodes a process holds; `spend` says whether its fds still fit the budget. */
function socketsOf(pid: number, spend: (n: number) => boolean): number[] {
  const dir = `/proc/${pid}/fd`;
  const fds = safe(() => readdirSync(dir), [] as string[]);
  if (!spend(fds.length)) return [];
  return fds.flatMap((fd) => {
    const m = /^socket:\[(\d+)\]$/.exec(safe(() => readlinkSync(`${dir}/${fd}`), ''));
    return m ? [Number(m[1])] : [];
  });
}

const commOf = (pid: number): string => safe(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), '?');

/** A process may exit, or hide its fds from us, between two reads: then it has none. */
function safe<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}
