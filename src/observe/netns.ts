// Reads named namespaces under /run/netns: their identity, and inside them tnet's mark on lo, links and routes.

import { readdirSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ObservedNetns } from '../model/observed.js';
import { chunk, run } from '../util/exec.js';
import { parseLinks, parseRoutes, splitJsonLines } from './ip-json.js';
import { NETNS_DIR } from '../ownership/paths.js';
import { packageFile } from '../util/package-files.js';

// The netlink worker reads namespaces from one process (setns, then rtnetlink dumps), printing what `ip -j`
// would; two side by side keep both cores busy. At 3,000 namespaces entering each with nsenter + ip took
// ~8 ms a namespace, most of it two exec()s.
const READER = packageFile('libexec/tnet-netlink.pl');
const READERS = 2;

// Where the worker cannot run (no perl, an unknown architecture, TNET_NETLINK=ip): one shell per chunk enters
// each namespace in turn, a process per namespace, never one per object.
// `ip -batch` takes no -6: the IPv6 routes cost one more `ip` in each namespace.
const LOOP = `for n in "$@"; do printf '@@%s\\n' "$n"; printf 'addr show\\nroute show\\n' | nsenter --net="${NETNS_DIR}/$n" ip -j -d -batch - 2>/dev/null && nsenter --net="${NETNS_DIR}/$n" ip -6 -j route show 2>/dev/null; done`;
const PARALLEL = 4;

/** Names under /run/netns; `id` is '' for a stale file that no namespace is mounted on (a crash mid-add). */
// Synchronous stats: a thousand of them take a few ms, through fs/promises ten times that.
export async function listNetns(): Promise<{ name: string; id: string }[]> {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR).sort();
  } catch {
    return [];
  }
  const nsfs = statSync('/proc/self/ns/net').dev;
  return names.flatMap((name) => {
    const s = statSync(`${NETNS_DIR}/${name}`, { throwIfNoEntry: false });
    return s ? [{ name, id: s.dev === nsfs ? `${s.dev}:${s.ino}` : '' }] : [];
  });
}

/** `dev:ino` of each path when it is a network namespace (nsfs), else null. */
export async function namespaceIds(paths: string[]): Promise<Record<string, string | null>> {
  const nsfs = (await stat('/proc/self/ns/net')).dev;
  const out: Record<string, string | null> = {};
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    out[p] = s && s.dev === nsfs ? `${s.dev}:${s.ino}` : null;
  }
  return out;
}

/** The namespaces under /run/netns, without entering any: each one's identity only. */
export type NetnsList = { name: string; id: string }[];

/**
 * Enters the listed namespaces that `skip` does not vouch for (once per kernel namespace, however many
 * names it has); the vouched ones keep the mark their seal vouches for and are not read.
 */
export async function readNetns(listed: NetnsList, skip: Map<string, string> = new Map()): Promise<Record<string, ObservedNetns>> {
  const vouchedIds = new Map(listed.filter((e) => e.id && skip.has(e.name)).map((e) => [e.id, skip.get(e.name)!]));
  const firstById = new Map<string, string>();
  for (const e of listed) if (e.id && !vouchedIds.has(e.id) && !firstById.has(e.id)) firstById.set(e.id, e.name);
  const inside = await readInside([...firstById.values()]);
  const out: Record<string, ObservedNetns> = {};
  for (const e of listed) {
    const vouched = vouchedIds.get(e.id);
    // Written out, not spread: ten thousand vouched namespaces are listed on every pass of watch mode.
    if (vouched !== undefined) out[e.name] = { read: false, mark: vouched, links: [], routes: [], routes6: [], name: e.name, id: e.id };
    else {
      const seen = !e.id ? STALE : inside.get(firstById.get(e.id)!);
      if (seen) out[e.name] = { ...seen, name: e.name, id: e.id };
    }
  }
  return out;
}

type Inside = Omit<ObservedNetns, 'name' | 'id'>;
const STALE: Inside = { read: true, mark: null, links: [], routes: [], routes6: [] };

async function readInside(names: string[]): Promise<Map<string, Inside>> {
  if (names.length === 0) return new Map();
  const byWorker = await readByWorker(names);
  if (byWorker) return byWorker;
  const results = await Promise.all(chunk(names, PARALLEL).map((part) => run('sh', ['-c', LOOP, 'tnet', ...part])));
  return insides(results.map((r) => r.stdout));
}

/** TNET_NETLINK=ip: the worker is not used, for reading either (the tests compare both paths). */
const workerOff = () => process.env.TNET_NETLINK === 'ip';

/** The worker's input for reading: `NAME <TAB> PATH` per namespace. */
const workerInput = (names: string[]) => names.map((n) => `${n}\t${NETNS_DIR}/${n}\n`).join('');

/** null when the worker cannot run here (or failed): nothing it printed is used then. */
async function readByWorker(names: string[]): Promise<Map<string, Inside> | null> {
  if (workerOff()) return null;
  const results = await Promise.all(chunk(names, READERS).map((part) => run('perl', [READER, '--read'], workerInput(part))));
  return results.every((r) => r.code === 0) ? insides(results.map((r) => r.stdout)) : null;
}

/**
 * The names under /run/netns read once for both of what the host side needs of them: their nsids (the host's
 * ids for them, from the worker's --nsids, else `ip netns list`) and their identities (listNetns). The worker
 * opens every name to ask its nsid: it also says the `dev:ino` it opened, so that the names need no stat
 * here (at 3,000 namespaces the stats cost ~60-100 ms of this thread, the worker a few).
 */
export interface NetnsScan {
  /** nsid → name; null when the worker cannot run here (or failed): the caller asks `ip` then. */
  nsids: Promise<Record<number, string> | null>;
  listed: Promise<NetnsList>;
}

export function scanNetns(): NetnsScan {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR).sort();
  } catch {
    return { nsids: Promise.resolve(workerOff() ? null : {}), listed: Promise.resolve([]) };
  }
  const worker = workerOff() || names.length === 0 ? Promise.resolve(null) : scanByWorker(names);
  return {
    nsids: worker.then((w) => (w ? w.nsids : workerOff() ? null : names.length === 0 ? {} : null)),
    listed: worker.then((w) => identities(names, w?.stats ?? new Map())),
  };
}

interface WorkerScan {
  nsids: Record<number, string>;
  /** `dev` and `ino` of each name the worker could open. */
  stats: Map<string, { dev: number; ino: number }>;
}

/** null when the worker cannot run here (or failed): nothing it printed is used then. */
async function scanByWorker(names: string[]): Promise<WorkerScan | null> {
  const r = await run('perl', [READER, '--nsids'], workerInput(names));
  if (r.code !== 0) return null;
  const nsids: Record<number, string> = {};
  const stats = new Map<string, { dev: number; ino: number }>();
  for (const line of r.stdout.split('\n')) {
    const [name, id, dev, ino] = line.split('\t');
    if (!name) continue;
    if (id !== undefined && id !== '' && !(Number(id) in nsids)) nsids[Number(id)] = name;
    if (dev !== undefined && ino !== undefined) stats.set(name, { dev: Number(dev), ino: Number(ino) });
  }
  return { nsids, stats };
}

/** listNetns's answer for `names`, from what the worker saw; a name it did not open is stat()ed as there. */
function identities(names: string[], seen: Map<string, { dev: number; ino: number }>): NetnsList {
  const nsfs = statSync('/proc/self/ns/net').dev;
  const out: NetnsList = [];
  for (const name of names) {
    const s = seen.get(name) ?? statSync(`${NETNS_DIR}/${name}`, { throwIfNoEntry: false });
    if (s) out.push({ name, id: s.dev === nsfs ? `${s.dev}:${s.ino}` : '' });
  }
  return out;
}

function insides(outputs: string[]): Map<string, Inside> {
  const out = new Map<string, Inside>();
  for (const stdout of outputs) for (const [name, body] of sections(stdout)) {
    const parsed = parseInside(body);
    if (parsed) out.set(name, parsed);
  }
  return out;
}

function* sections(stdout: string): Generator<[string, string]> {
  for (const part of stdout.split(/^@@/m).slice(1)) {
    const nl = part.indexOf('\n');
    yield [part.slice(0, nl), part.slice(nl + 1)];
  }
}

export function parseInside(body: string): Inside | null {
  const docs = splitJsonLines(body);
  if (docs.length < 2) return null; // the namespace vanished or could not be entered
  const links = parseLinks(docs[0]);
  // The IPv6 routes come third; a reader without them (an older worker) gives none.
  const routes6 = docs[2] ? parseRoutes(docs[2]) : [];
  return { read: true, mark: links.find((l) => l.name === 'lo')?.alias ?? null, links, routes: parseRoutes(docs[1]), routes6 };
}
