// Reads the host namespace: links with their addresses, main-table routes, ip_forward and IPv6 forwarding.

import { readFile } from 'node:fs/promises';
import type { ObservedLink, ObservedRoute } from '../model/observed.js';
import { run, runStreaming, type ExecResult } from '../util/exec.js';
import { JsonArrays } from '../util/json-arrays.js';
import { linkOf, parseLinks, parseRoutes, routeOf, splitJsonLines } from './ip-json.js';
import { readFailed } from './failed.js';

export interface HostObservation {
  links: ObservedLink[];
  nsids: Record<number, string>;
  routes: ObservedRoute[];
  routes6: ObservedRoute[];
  ipForward: boolean;
  ipForward6: boolean;
}

/** `byWorker`: the nsids the netlink worker read (scanNetns), null where it could not: `ip` is asked then. */
export async function observeHost(byWorker: Promise<Record<number, string> | null>): Promise<HostObservation> {
  // The nsids in a process of their own: on a large host they cost as much as the links, and both cores work.
  // `ip -batch` takes no -6: IPv6 routes need an `ip` of their own (few lines: veths carry no IPv6).
  const read = readLinksAndRoutes();
  const [r, r6, nsids, fwd, fwd6] = await Promise.all([
    read.result,
    run('ip', ['-6', '-j', 'route', 'show']),
    readNsids(byWorker),
    readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '0'),
    readFile('/proc/sys/net/ipv6/conf/all/forwarding', 'utf8').catch(() => '0'),
  ]);
  const hint = 'tnet needs iproute2 with JSON output, and root: does `ip -j -d addr show` work?';
  if (r.code !== 0) throw readFailed('ip', 'the host', r.stderr, hint);
  const { links, routes } = read.parsed();
  // A kernel without IPv6 has no IPv6 routes to read: none, not a failure.
  const routes6 = r6.code === 0 && r6.stdout.trim().startsWith('[') ? parseRoutes(r6.stdout) : [];
  return { links, routes, routes6, nsids, ipForward: fwd.trim() === '1', ipForward6: fwd6.trim() === '1' };
}

/**
 * The host's links with their addresses, and its main-table routes, by one `ip -j -d -batch`: each link is
 * parsed as its bytes arrive (util/json-arrays.ts), while the kernel still dumps the others. At 10,000 links
 * the output is 13 MB, over a second of the kernel's; taken whole at the end, copying, decoding and parsing
 * it cost the main thread ~0.3 s after the wait.
 */
function readLinksAndRoutes(): { result: Promise<ExecResult>; parsed(): { links: ObservedLink[]; routes: ObservedRoute[] } } {
  const links: ObservedLink[] = [];
  const routes: ObservedRoute[] = [];
  let broken: string | null = null;
  const docs = new JsonArrays((array, text) => {
    if (array === 0) links.push(linkOf(text));
    else if (array === 1) routes.push(routeOf(text));
  });
  const result = runStreaming('ip', ['-j', '-d', '-batch', '-'], 'addr show\nroute show\n', (chunk) => {
    if (broken !== null) return;
    try {
      docs.push(chunk);
    } catch (e) {
      broken = (e as Error).message;
    }
  });
  return {
    result,
    parsed: () => {
      if (broken === null) {
        try {
          docs.end();
          if (docs.arrays !== 2) broken = `${docs.arrays} JSON documents where 2 were asked for`;
        } catch (e) {
          broken = (e as Error).message;
        }
      }
      // Not a failure of the read: ip said it went through. Output it cannot have printed is a bug to report.
      if (broken !== null) throw new Error(`ip -j printed what is not its JSON: ${broken}`);
      return { links, routes };
    },
  };
}

/**
 * These host links read again, without their addresses (watch mode: the links a kernel event named). Null
 * when one of them is gone: the caller then reads everything.
 */
export async function readLinks(names: readonly string[]): Promise<ObservedLink[] | null> {
  if (names.length === 0) return [];
  const r = await run('ip', ['-j', '-d', '-batch', '-'], names.map((n) => `link show dev ${n}\n`).join(''));
  const docs = r.code === 0 ? splitJsonLines(r.stdout) : [];
  if (docs.length !== names.length) return null;
  return docs.flatMap(parseLinks);
}

/**
 * Every host link read again, without addresses (watch mode: a burst of events naming more links than are
 * worth reading one by one). Null when the read failed: the caller then reads everything.
 */
export async function readAllLinks(): Promise<ObservedLink[] | null> {
  const r = await run('ip', ['-j', '-d', 'link', 'show']);
  return r.code === 0 ? parseLinks(r.stdout) : null;
}

/**
 * nsid → a name of that namespace: one RTM_GETNSID per name under /run/netns, by the netlink worker or by
 * `ip netns list`. Not `netns list-id`: its dump comes back incomplete past a few hundred namespaces
 * (iproute2 6.1), and every seal whose namespace it missed would send tnet into that namespace.
 */
async function readNsids(worker: Promise<Record<number, string> | null>): Promise<Record<number, string>> {
  const byWorker = await worker;
  if (byWorker) return byWorker;
  const r = await run('ip', ['-j', 'netns', 'list']);
  return r.code === 0 ? nsidNames(r.stdout.trim() || '[]') : {};
}

/**
 * Two names of one namespace (`container:`) share an nsid; either does, since vouch compares namespace
 * identities.
 */
export function nsidNames(json: string | undefined): Record<number, string> {
  const out: Record<number, string> = {};
  for (const e of JSON.parse(json ?? '[]') as { name: string; id?: number }[]) if (e.id !== undefined && !(e.id in out)) out[e.id] = e.name;
  return out;
}
