// Reads the host namespace: links with their addresses, main-table routes, and ip_forward, in one `ip` process.

import { readFile } from 'node:fs/promises';
import type { ObservedLink, ObservedRoute } from '../model/observed.js';
import { run } from '../util/exec.js';
import { parseLinks, parseRoutes, splitJsonLines } from './ip-json.js';
import { readFailed } from './failed.js';

export interface HostObservation {
  links: ObservedLink[];
  nsids: Record<number, string>;
  routes: ObservedRoute[];
  ipForward: boolean;
}

export async function observeHost(): Promise<HostObservation> {
  const [r, fwd] = await Promise.all([
    run('ip', ['-j', '-d', '-batch', '-'], 'addr show\nroute show\nnetns list\n'),
    readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '0'),
  ]);
  if (r.code !== 0) throw readFailed('ip', 'the host', r.stderr, 'tnet needs iproute2 with JSON output, and root: does `ip -j -d addr show` work?');
  const [links, routes, ids] = splitJsonLines(r.stdout);
  return { links: parseLinks(links), routes: parseRoutes(routes), nsids: nsidNames(ids), ipForward: fwd.trim() === '1' };
}

/**
 * nsid → a name of that namespace, from `netns list` (one RTM_GETNSID per name under /run/netns). Not
 * `netns list-id`: its dump comes back incomplete past a few hundred namespaces (iproute2 6.1), and every
 * seal whose namespace it missed would send tnet into that namespace. Two names of one namespace (`container:`)
 * share an nsid; either does, since vouch compares namespace identities.
 */
export function nsidNames(json: string | undefined): Record<number, string> {
  const out: Record<number, string> = {};
  for (const e of JSON.parse(json ?? '[]') as { name: string; id?: number }[]) if (e.id !== undefined && !(e.id in out)) out[e.id] = e.name;
  return out;
}
