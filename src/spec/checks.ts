// What the semantic checks share: how an error is reported, which fields were written, names, CIDRs, MTUs.

import type { ContainerSpec, EndpointSpec } from '../model/spec.js';
import { formatCidr, parseCidr, parseIpv4Prefix, type Cidr } from '../util/ipv4.js';
import { joinPath } from './yaml.js';

const RESERVED_BRIDGE_NAMES = ['bridge', 'host', 'none'];

/** `onKey`: point at the field's key (an entry's name) rather than its value. */
export type Report = (path: string, message: string, hint?: string, onKey?: boolean) => void;

export type Written = (path: string, fallback: boolean) => boolean;

/** Linux dev_valid_name(): under IFNAMSIZ bytes, not . or .., no '/', ':' or whitespace. */
export function ifnameProblem(name: string): string | null {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > 15) return 'must be 1 to 15 bytes long (the kernel limit for interface names)';
  if (name === '.' || name === '..') return 'is not a valid interface name';
  if (/[/:\s]/.test(name)) return "must not contain '/', ':' or whitespace";
  if (RESERVED_BRIDGE_NAMES.includes(name)) return 'is a network mode (bridge, host, none): choose another name';
  return null;
}

export function checkCidr(text: string, path: string, what: string, report: Report): Cidr | null {
  const raw = parseIpv4Prefix(text);
  const cidr = parseCidr(text);
  if (!raw || !cidr) {
    report(path, `${what} "${text}" is not an IPv4 CIDR like 172.18.0.0/16`);
    return null;
  }
  if (raw.ip !== cidr.network) {
    report(path, `${what} ${text} has host bits set`, `did you mean ${formatCidr(cidr)}?`);
    return null;
  }
  return cidr;
}

/** `path`: the field's, or how to make it (made only for an error). */
export function checkMtu(mtu: number | null, path: string | (() => string), report: Report): void {
  if (mtu !== null && (mtu < 68 || mtu > 65535)) report(typeof path === 'string' ? path : path(), `mtu ${mtu} is outside 68-65535`);
}

export function endpointPath(c: ContainerSpec, e: EndpointSpec, field: string | null, written: Written, index?: number): string {
  const several = written(joinPath(['containers', c.name, 'networks']), c.networks.length > 1);
  const base = several ? ['containers', c.name, 'networks', e.network] : ['containers', c.name];
  return joinPath([...base, ...(field === null ? [] : [field]), ...(index === undefined ? [] : [index])]);
}

