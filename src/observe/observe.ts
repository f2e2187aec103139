// Observes what the planner compares against, in two steps: first all that needs no namespace entered,
// then the insides of the namespaces the host side does not vouch for.

import type { ObservedState } from '../model/observed.js';
import { NO_DNS, observeDns, type RecordsReader } from './dns.js';
import { observeFdb } from './fdb.js';
import { observeFiles } from './files.js';
import type { FilesReader } from './files.js';
import { observeHost, type HostObservation } from './host.js';
import { observeIntents } from './intents.js';
import { UNKNOWN_LIMITS } from './limits.js';
import { readListening } from './listening.js';
import { namespaceIds, readNetns, scanNetns, type NetnsList } from './netns.js';

export interface ObserveOptions {
  firewall: (() => Promise<ObservedState['firewall']>) | null;
  /** `netns:` paths named by the spec, resolved to namespace ids. */
  paths: string[];
  /** Read the VXLAN forwarding entries: only a spec with overlays needs them (one more process). */
  fdb?: boolean;
  /** Where /etc/netns is read (watch mode: a worker thread serving what inotify vouches for). */
  files?: FilesReader | null;
  /** Read the ports the host's sockets hold: only a spec that publishes ports needs them. */
  listening?: boolean;
  /** The spec whose DNS records are read, with whether tnet's DNS server answers; absent: not read. */
  dns?: string;
  /** Reads them (watch mode keeps one, which reads a file again only once it changed). */
  dnsRecords?: RecordsReader;
}

/** Everything but the namespaces' insides: `netns` is still empty, `listed` says which exist. */
export interface BaseObservation {
  observed: ObservedState;
  listed: NetnsList;
  /** The part the kernel reports changes of (`ip monitor`): links, addresses, routes, namespaces. */
  kernel: KernelView;
}

export interface KernelView {
  host: HostObservation;
  listed: NetnsList;
}

/** What the kernel reports changes of, read now: watch mode keeps it until an event says it changed. */
export async function observeKernel(): Promise<KernelView> {
  const scan = scanNetns();
  const host = observeHost(scan.nsids);
  // Both awaited before either fails the view: no rejection left without its handler.
  const [listed, seen] = await Promise.all([scan.listed, host]);
  return { listed, host: seen };
}

/** The host side being read: the kernel view usually arrives first (watch mode has it already). */
export interface BaseReads {
  kernel: Promise<KernelView>;
  base: Promise<BaseObservation>;
}

/**
 * Starts reading the host side. `kernel`: a view still valid (no event since it was read), reused unless it
 * failed. The rest is read now, through the firewall backend and files reader the caller gives (watch mode's
 * serve what they keep: watch/host-reads.ts).
 */
export function readBase(opts: ObserveOptions, kernel?: Promise<KernelView> | null): BaseReads {
  // The processes first, so they run while the file reads block this thread (see observeFiles).
  const view = kernel ? kernel.catch(() => observeKernel()) : observeKernel();
  const firewall = opts.firewall ? opts.firewall() : Promise.resolve(null);
  const fdb = opts.fdb ? observeFdb() : Promise.resolve([]);
  const files = observeFiles(opts.files);
  const listening = opts.listening ? readListening() : Promise.resolve([]);
  const dns = opts.dns === undefined ? Promise.resolve(NO_DNS) : observeDns(opts.dns, opts.dnsRecords);
  const rest = Promise.all([files, namespaceIds(opts.paths), observeIntents(), listening, dns]);
  // One Promise.all: every read has its handler from the start, so a failing one is never an unhandled rejection.
  const base = Promise.all([rest, view, fdb, firewall]).then(([[files, paths, intents, sockets, dns], { host, listed }, fdbs, fw]) => {
    const observed = { ...host, fdb: fdbs, netns: {}, files: files.files, fileDirs: files.dirs, paths, intents, firewall: fw, listening: sockets, limits: UNKNOWN_LIMITS, dns };
    return { observed, listed, kernel: { host, listed } };
  });
  // A caller may drop these unread (an early read the edit made useless): a failure then is nobody's error,
  // not an unhandled rejection. Callers that await them still see it.
  for (const p of [view, base]) p.catch(() => undefined);
  return { kernel: view, base };
}

/** The second step: `vouched` maps the names not to enter to the mark their seal vouches for. */
export async function observeInside(base: BaseObservation, vouched: Map<string, string>): Promise<ObservedState> {
  return { ...base.observed, netns: await readNetns(base.listed, vouched) };
}

/** Both steps, entering every namespace: for `status` and `apply --deep`. */
export async function observe(opts: ObserveOptions): Promise<ObservedState> {
  return observeInside(await readBase(opts).base, new Map());
}

/** What of an observation to read again; the rest is kept as it was. */
export interface Reread {
  /** Host links, addresses, routes, ip_forward and the namespaces listed. */
  kernel: boolean;
  firewall: (() => Promise<NonNullable<ObservedState['firewall']>>) | null;
  files: boolean;
  fdb: boolean;
  /** The spec's DNS records and the server, read again. */
  dns: boolean;
  /** Namespaces to enter; the others keep the mark `before` gives them, unread (as vouched namespaces are). */
  enter: ReadonlySet<string>;
  /** Intents left out, read again or not: the check's own apply dropped them by the time it counts. */
  intentsExcept?: ReadonlySet<string>;
}

/** The insides of the named namespaces read again, the rest of `observed` as it is. */
export async function enterAgain(observed: ObservedState, names: ReadonlySet<string>): Promise<ObservedState> {
  if (names.size === 0) return observed;
  const listed = Object.values(observed.netns).filter((n) => names.has(n.name)).map((n) => ({ name: n.name, id: n.id }));
  return { ...observed, netns: { ...observed.netns, ...(await readNetns(listed)) } };
}

/** `intents` but the names in `except`. */
function without(intents: Record<string, string>, except: ReadonlySet<string> | undefined): Record<string, string> {
  if (!except?.size || !Object.keys(intents).some((n) => except.has(n))) return intents;
  return Object.fromEntries(Object.entries(intents).filter(([n]) => !except.has(n)));
}

/** `before` with the parts named read afresh: after an apply, only what it touched is read again. */
export async function observeAgain(before: ObservedState, r: Reread): Promise<ObservedState> {
  const kernel = r.kernel || r.enter.size > 0 ? observeKernel() : null;
  // The intents with the kernel: an apply that went through dropped its own, which vouch.ts and diff-netns read.
  const [view, firewall, files, fdb, dns, intents] = await Promise.all([
    kernel,
    r.firewall ? r.firewall() : before.firewall,
    r.files ? observeFiles(null) : null,
    r.fdb ? observeFdb() : before.fdb,
    r.dns ? observeDns(before.dns.spec) : before.dns,
    kernel ? observeIntents(r.intentsExcept) : without(before.intents, r.intentsExcept),
  ]);
  const out: ObservedState = { ...before, firewall, fdb, dns, intents };
  if (files) Object.assign(out, { files: files.files, fileDirs: files.dirs });
  if (!view) return out;
  const skip = new Map(view.listed.filter((n) => !r.enter.has(n.name)).map((n) => [n.name, before.netns[n.name]?.mark ?? '']));
  return { ...out, ...view.host, netns: await readNetns(view.listed, skip) };
}
