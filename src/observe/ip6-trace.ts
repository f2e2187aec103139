// Whether a spec may still hold rules in the ip6tables tables when it asks for none: a bridge of it with IPv6.

import { readTextOr } from '../util/read-text.js';
import { parseMark } from '../ownership/marks.js';

/** Scope of a global or unique local address in /proc/net/if_inet6 (link-local is 20, host 10). */
const GLOBAL = '00';

/** The interfaces holding a global IPv6 address: /proc/net/if_inet6's last column, where the scope is global. */
export function ipv6Interfaces(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 6 && f[3] === GLOBAL) out.add(f[5]);
  }
  return [...out];
}

/**
 * A dual-stack bridge carries its IPv6 gateway until the apply that takes its IPv6 rules away too (subnet6
 * dropped, the bridge dropped, host.ip6tables turned off): while a bridge the spec names, or one marked as
 * the spec's, holds a global IPv6 address, the spec's rules may be in the IPv6 tables, and they are read.
 * Otherwise ip6tables-save is not run at all: a process at every re-apply of an IPv4 spec, for nothing.
 * Two small reads, no process: /proc/net/if_inet6 and the aliases of the few interfaces listed there.
 */
export function ipv6Trace(spec: string, bridges: readonly string[], read: (path: string) => string = readOr): boolean {
  const named = new Set(bridges);
  return ipv6Interfaces(read('/proc/net/if_inet6')).some((dev) => {
    if (named.has(dev)) return true;
    const m = parseMark(read(`/sys/class/net/${dev}/ifalias`).trim() || null);
    return m?.spec === spec && m.kind === 'bridge';
  });
}

/** No IPv6 in the kernel, an interface gone meanwhile: nothing there. */
const readOr = (path: string): string => readTextOr(path, '');
