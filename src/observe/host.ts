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
    run('ip', ['-j', '-d', '-batch', '-'], 'addr show\nroute show\nnetns list-id\n'),
    readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '0'),
  ]);
  if (r.code !== 0) throw readFailed('ip', 'the host', r.stderr, 'tnet needs iproute2 with JSON output, and root: does `ip -j -d addr show` work?');
  const [links, routes, ids] = splitJsonLines(r.stdout);
  const nsids = Object.fromEntries((JSON.parse(ids ?? '[]') as { nsid: number; name?: string }[]).flatMap((e) => (e.name ? [[e.nsid, e.name]] : [])));
  return { links: parseLinks(links), routes: parseRoutes(routes), nsids, ipForward: fwd.trim() === '1' };
}
