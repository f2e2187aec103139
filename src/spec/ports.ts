// Parse `docker run -p` and `--expose` strings into one PortMapping / ExposedPort per port.

import { fail, ok, tnetError, type Result, type TnetError } from '../model/errors.js';
import type { ExposedPort, PortMapping, Proto } from '../model/spec.js';
import { parseIpv4 } from '../util/ipv4.js';
import { formatIpv6, parseIpv6 } from '../util/ipv6.js';

/** Where Docker picks a host port when none is given (net.ipv4.ip_local_port_range's default). */
export const EPHEMERAL_RANGE: [number, number] = [32768, 60999];

const PROTOS: readonly Proto[] = ['tcp', 'udp', 'sctp'];

type Range = [number, number];

/** `[ip:][hostPort[-end]:]containerPort[-end][/proto]`, or a bare integer. */
export function parsePortMapping(entry: string | number): Result<PortMapping[]> {
  const text = String(entry).trim();
  const bad = (why: string, hint?: string) => fail<PortMapping[]>(portError(`port mapping "${text}": ${why}`, hint));
  const split = splitProto(text);
  if (typeof split === 'string') return bad(split);
  const parts = splitAddress(split.rest);
  if (typeof parts === 'string') return bad(parts, 'forms: 80, 8080:80, 192.0.2.1:8080:80, 192.0.2.1::80, [::]:8080:80, [2001:db8::1]:8080:80, 9000-9001:9000-9001, with /tcp, /udp or /sctp');
  const hostIp = parseHostIp(parts.ip);
  if (typeof hostIp === 'string') return bad(hostIp);
  const container = parseRange(parts.container, 'container port');
  if (typeof container === 'string') return bad(container);
  const host = parts.host === '' ? null : parseRange(parts.host, 'host port');
  if (typeof host === 'string') return bad(host);
  return expand(hostIp, host, container, split.proto, bad);
}

/** `80`, `53/udp`, `8000-8002`: ports a container offers, for links and publishAll. */
export function parseExpose(entry: string | number): Result<ExposedPort[]> {
  const text = String(entry).trim();
  const split = splitProto(text);
  if (typeof split === 'string') return fail(portError(`exposed port "${text}": ${split}`));
  const range = parseRange(split.rest, 'port');
  if (typeof range === 'string') return fail(portError(`exposed port "${text}": ${range}`, 'forms: 80, 53/udp, 8000-8002'));
  return ok(ports(range).map((port) => ({ port, proto: split.proto })));
}

/** For messages: `192.0.2.1:8080->80/tcp`, `[::]:8080->80/tcp`, as `docker ps` prints them. */
export function formatPortMapping(m: PortMapping): string {
  const host = m.hostPort ?? (m.hostRange ? `${m.hostRange[0]}-${m.hostRange[1]}` : '?');
  const ip = m.hostIp ?? (m.family === 6 ? '::' : '0.0.0.0');
  return `${ip.includes(':') ? `[${ip}]` : ip}:${host}->${m.containerPort}/${m.proto}`;
}

/**
 * The address families a mapping publishes on, as Docker: an address says its own; `0.0.0.0` is IPv4 only,
 * `[::]` IPv6 only, none both (IPv6 only where the container has an IPv6 address: the callers check).
 */
export function portFamilies(m: PortMapping): (4 | 6)[] {
  if (m.hostIp !== null) return [m.hostIp.includes(':') ? 6 : 4];
  return m.family ? [m.family] : [4, 6];
}

function portError(message: string, hint?: string): TnetError {
  return tnetError('port', message, hint ? { hint } : {});
}

function splitProto(text: string): { rest: string; proto: Proto } | string {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return { rest: text, proto: 'tcp' };
  const proto = text.slice(slash + 1).toLowerCase() as Proto;
  if (!PROTOS.includes(proto)) return `protocol "${text.slice(slash + 1)}" is not tcp, udp or sctp`;
  return { rest: text.slice(0, slash), proto };
}

function splitAddress(text: string): { ip: string; host: string; container: string } | string {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return 'an IPv6 host address is written [address]:hostPort:containerPort';
    const rest = text.slice(close + 2).split(':');
    if (rest.length !== 2) return 'an IPv6 host address is written [address]:hostPort:containerPort';
    return { ip: text.slice(0, close + 1), host: rest[0], container: rest[1] };
  }
  const parts = text.split(':');
  if (parts.length === 1) return { ip: '', host: '', container: parts[0] };
  if (parts.length === 2) {
    if (parts[0] === '') return 'empty host port';
    return { ip: '', host: parts[0], container: parts[1] };
  }
  if (parts.length === 3) return { ip: parts[0], host: parts[1], container: parts[2] };
  return 'too many ":"';
}

type HostIp = Pick<PortMapping, 'hostIp' | 'family'>;

/** null means every host address; `0.0.0.0` and `[::]` are every address of one family. */
function parseHostIp(text: string): HostIp | string {
  if (text === '') return { hostIp: null };
  if (text === '0.0.0.0') return { hostIp: null, family: 4 };
  if (text.startsWith('[')) {
    const v6 = parseIpv6(text.slice(1, -1));
    if (v6 === null) return `host address "${text}" is not an IPv6 address`;
    // IPv6 has no route_localnet: the kernel never forwards ::1 to a container, only a proxy could.
    if (v6 === 1n) return `host address ${text} is IPv6 loopback, which the kernel cannot forward to a container (tnet runs no proxy)`;
    return v6 === 0n ? { hostIp: null, family: 6 } : { hostIp: formatIpv6(v6) };
  }
  if (parseIpv4(text) === null) return `host address "${text}" is not an IPv4 address (write an IPv6 one in brackets: [2001:db8::1])`;
  return { hostIp: text };
}

function parseRange(text: string, what: string): Range | string {
  const single = digitsValue(text, 0, text.length);
  const m = single === null ? /^([0-9]+)(?:-([0-9]+))?$/.exec(text) : null;
  if (single === null && !m) return text === '' ? `missing ${what}` : `${what} "${text}" is not a number or a range a-b`;
  const start = single ?? Number(m![1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  for (const p of [start, end]) if (p < 1 || p > 65535) return `${what} ${p} is outside 1-65535`;
  if (end < start) return `${what} range ${text} ends before it starts`;
  return [start, end];
}

/**
 * The number `text[from, to)` spells in decimal digits only, or null: a single port without a regular
 * expression. At most 15 digits, which a double holds exactly, as Number() reads them.
 */
function digitsValue(text: string, from: number, to: number): number | null {
  if (to <= from || to - from > 15) return null;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return n;
}

function ports([start, end]: Range): number[] {
  if (start === end) return [start];
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

function expand(
  hostIp: HostIp,
  host: Range | null,
  container: Range,
  proto: Proto,
  bad: (why: string) => Result<PortMapping[]>,
): Result<PortMapping[]> {
  const cports = ports(container);
  const one = (containerPort: number, hostPort: number | null, hostRange: Range | null): PortMapping => ({
    hostIp: hostIp.hostIp, hostPort, hostRange, containerPort, proto, ...(hostIp.family ? { family: hostIp.family } : {}),
  });
  if (host === null) return ok(cports.map((p) => one(p, null, [...EPHEMERAL_RANGE])));
  const hports = ports(host);
  if (hports.length === cports.length) return ok(cports.map((p, i) => one(p, hports[i], null)));
  // Docker: a host range with a single container port is the range to pick one host port from.
  if (cports.length === 1) return ok([one(cports[0], null, host)]);
  return bad(`host range ${host.join('-')} and container range ${container.join('-')} differ in length`);
}
