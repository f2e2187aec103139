// What watch mode keeps of the host between reconciles, and the watchers that say when it no longer holds.

import { observeKernel, type KernelView } from '../observe/observe.js';
import { observeFiles, type FilesObservation } from '../observe/files.js';
import { startFilesWorker } from '../observe/files-worker.js';
import type { FilesReader } from '../observe/files.js';
import { ETC_NETNS } from '../ownership/paths.js';
import { SavedRules } from './saved-rules.js';
import { readRulesAhead, type ReconcileReport } from '../reconcile/reconcile.js';
import { touchesKernelView } from '../reconcile/verify.js';
import { Session } from '../reconcile/session.js';
import { equalShared } from '../util/last-value.js';
import type { Spec } from '../model/spec.js';
import type { ObservedLink } from '../model/observed.js';
import { Kept } from '../util/kept.js';
import { hostLinkChange, watchKernel, type KernelEvents } from './kernel-events.js';
import { readAllLinks, readLinks } from '../observe/host.js';
import { watchRuleset, type RulesetEvents } from './ruleset-events.js';
import { watchNetnsFiles, type FilesEvents } from './netns-files-events.js';

export type Drift = 'kernel' | 'firewall' | 'files';

export interface HostReadsEvents {
  /** The host changed under what was read: the caller reconciles (after its debounce). */
  drift(what: Drift, detail: Record<string, unknown>): void;
  /** A watcher stopped and is restarted in `retryMs`; until then its part is read afresh each time. */
  lost(what: string, code: number | null, retryMs: number): void;
  /** inotify refused to watch a folder under /etc/netns (out of watches): its files are read afresh each time. */
  refused?(path: string, e: Error): void;
}

/**
 * Three sources, each with its watcher: links, addresses and routes (`ip monitor`), the iptables and
 * ip6tables rules (xtables-monitor, nf_tables only), the files under /etc/netns (inotify). What a watcher
 * vouches for is read once after a reconcile, while idle, and served to the next one; the files are read in
 * a worker thread.
 * The reconcile session it makes serves the kept rules and files to every reconcile of the watch.
 */
export class HostReads {
  /** The kernel view as the last reconcile left it; null once an event says it changed beyond a few links. */
  kernel: Promise<KernelView> | null = null;
  /**
   * Host links an event said changed since the view was read, by index: read again before the view is used
   * (kept()). The kernel restates every bridge port some seconds after it joined, and a view dropped for each
   * such burst would send the next edit to read ten thousand links again.
   */
  private readonly changedLinks = new Map<number, string>();
  /**
   * More links than PATCH_MAX named since: all of them are read again (one `ip link show`, not the addresses,
   * routes and namespaces), compared the same way. After an apply of ten thousand containers the kernel
   * restates their ports for a minute, in bursts of thousands: each dropped the view, and the next pass read
   * the whole host and desired and planned again, for nothing, as the first edits waited behind it.
   */
  private allLinks = false;
  /** The view the last reconcile left (refresh), its report, and whether only link events came since. */
  private settled: { view: Promise<KernelView>; report: ReconcileReport } | null = null;
  private onlyLinks = false;
  private readonly rules = new SavedRules();
  private readonly rules6 = new SavedRules();
  private readonly files = new Kept<FilesObservation>();
  private readonly worker: FilesReader = startFilesWorker();
  private readonly filesReader: FilesReader = {
    read: (root, names) => this.files.read(() => this.worker.read(root, names)),
    close: () => this.worker.close(),
  };
  readonly session = new Session({ keptRules: this.rules, keptRules6: this.rules6, files: this.filesReader });
  private kernelEvents: KernelEvents | null = null;
  private rulesetEvents: RulesetEvents | null = null;
  private readonly filesEvents: FilesEvents;
  private stopped = false;
  private kernelChanges = 0;
  /** xtables-monitor may be missing (a host without it, stdbuf gone): retried ever less often, not every second. */
  private rulesetFailures = 0;
  private rulesetListened = false;

  constructor(private readonly on: HostReadsEvents) {
    this.filesEvents = watchNetnsFiles(ETC_NETNS, (folders) => {
      // A folder that came is not watched yet: nothing is vouched for until refresh() watches it.
      if (folders) this.files.deaf();
      else this.files.drop();
      this.onlyLinks = false;
      this.on.drift('files', {});
    }, (path, e) => this.on.refused?.(path, e));
    // Watched from the start: what the first reconcile reads is kept if it changes nothing.
    this.watchFiles();
    this.startKernel();
    this.startRuleset();
  }

  /** Kernel events so far: a view read after the count was taken holds while it has not moved. */
  get kernelEpoch(): number {
    return this.kernelChanges;
  }

  /**
   * After a reconcile that succeeded: reads, while idle, what the next one will want. The kernel view it
   * started from is kept as is when none of its actions touched it and no kernel event came since `epoch`
   * (its start).
   */
  refresh(spec: Spec, report: ReconcileReport, epoch: number): Promise<unknown> {
    // A port edit changes rules only: reading 10,000 links again would make the next edit wait for it.
    const unchanged = !report.actions.some(touchesKernelView) && epoch === this.kernelChanges;
    // Links that changed meanwhile are read again on top of the view kept; a fresh read covers them.
    if (!unchanged) {
      this.changedLinks.clear();
      this.allLinks = false;
    }
    // The reads begin on the next turn, once the reconcile's outcome is logged: at ten thousand containers
    // watching the folders and starting processes from this large one take ~30-50 ms that the edit need not
    // wait for. What is kept is decided now; a reconcile that comes first waits for the view as for any read.
    const later = new Promise<void>((r) => setImmediate(r));
    this.kernel = unchanged ? Promise.resolve(report.kernel) : later.then(observeKernel);
    this.settled = { view: this.kernel, report };
    this.onlyLinks = true;
    void later.then(() => {
      if (this.stopped) return;
      this.watchFiles();
      if (this.rules.listening) readRulesAhead(spec, this.session);
      if (this.files.listening) void observeFiles(this.filesReader);
    });
    return this.kernel;
  }

  /**
   * The kernel view kept, with the links events named since read again; null when there is none. A link
   * gone, new or renamed since cannot be patched in: the view is read whole then.
   */
  kept(): Promise<KernelView> | null {
    if (this.kernel === null || (this.changedLinks.size === 0 && !this.allLinks)) return this.kernel;
    const changed = new Map(this.changedLinks);
    const all = this.allLinks;
    this.changedLinks.clear();
    this.allLinks = false;
    const view = this.kernel.then(async (v) =>
      (all ? withAllLinks(v, await readAllLinks()) : withLinks(v, changed, await readLinks([...changed.values()]))) ?? observeKernel());
    this.kernel = view;
    return view;
  }

  /**
   * When every event since the last reconcile restated host links as they were (their second read equals the
   * view it left), that reconcile's report with the view: a pass would find nothing to do. Else null.
   */
  async restated(): Promise<ReconcileReport | null> {
    const settled = this.settled;
    if (!this.onlyLinks || settled === null) return null;
    const before = await settled.view.catch(() => null);
    const now = await (this.kept() ?? Promise.resolve(null)).catch(() => null);
    return before !== null && now === before && this.onlyLinks && this.settled === settled ? { ...settled.report, kernel: before } : null;
  }

  /** Something these reads do not watch changed (the DNS server went away): the next pass must not be skipped. */
  unsettle(): void {
    this.onlyLinks = false;
  }

  /** Before a deep pass (start, resync): everything is read afresh, whatever the watchers said. */
  forget(): void {
    this.onlyLinks = false;
    this.changedLinks.clear();
    this.allLinks = false;
    this.kernel = null;
    this.rules.drop();
    this.rules6.drop();
    this.files.drop();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.kernelEvents?.close();
    this.rulesetEvents?.close();
    this.filesEvents.close();
    this.session.close();
    await this.worker.close();
  }

  private startKernel(): void {
    this.kernelEvents = watchKernel(
      (line) => this.kernelEvent(line),
      (code) =>
        this.restart('ip monitor', code, 1000, () => {
          this.startKernel();
          // What happened while it was down went unreported.
          this.kernelChanged({ restarted: 'ip monitor' });
        }),
      // Events the kernel dropped may have been any change: the view goes, and the next look reads it all.
      () => this.kernelChanged({ lost: 'ip monitor: the kernel dropped events (ENOBUFS)' }),
    );
  }

  /** Every folder under /etc/netns watched: what is read from now on can be kept. */
  private watchFiles(): void {
    if (this.filesEvents.sync()) this.files.listen();
    else this.files.deaf();
  }

  /** A host link's change is noted to be read again; any other event drops the view. Either way it is drift. */
  private kernelEvent(line: string): void {
    const link = hostLinkChange(line);
    if (link === null) return this.kernelChanged({ event: line.slice(0, 200) });
    if (this.allLinks || this.changedLinks.size >= PATCH_MAX) {
      this.allLinks = true;
      this.changedLinks.clear();
    } else {
      this.changedLinks.set(link.index, link.name);
    }
    this.on.drift('kernel', { event: line.slice(0, 200) });
  }

  private kernelChanged(detail: Record<string, unknown>): void {
    this.kernel = null;
    this.onlyLinks = false;
    this.changedLinks.clear();
    this.allLinks = false;
    this.kernelChanges++;
    this.on.drift('kernel', detail);
  }

  private startRuleset(): void {
    this.rulesetEvents = watchRuleset({
      onListening: () => {
        this.rules.listen();
        this.rules6.listen();
        // Commits while it was down (or lost when its socket overflowed, ENOBUFS) went unreported.
        if (this.rulesetListened || this.rulesetFailures > 0) this.firewallDrift({ restarted: 'xtables-monitor' });
        this.rulesetListened = true;
        this.rulesetFailures = 0;
      },
      // tnet's own restores are not drift; another process's commit is, in either family.
      onCommit: (pid, families) => {
        const foreign = families.map((f) => (f === 6 ? this.rules6 : this.rules).committed(pid));
        if (foreign.some(Boolean)) this.firewallDrift({ pid, families });
      },
      onExit: (code) => {
        this.rules.deaf();
        this.rules6.deaf();
        const retryMs = Math.min(1000 * 2 ** this.rulesetFailures++, 60_000);
        this.restart('xtables-monitor', code, retryMs, () => this.startRuleset());
      },
    });
  }

  private firewallDrift(detail: Record<string, unknown>): void {
    this.onlyLinks = false;
    this.on.drift('firewall', detail);
  }

  private restart(what: string, code: number | null, ms: number, again: () => void): void {
    if (this.stopped) return;
    this.on.lost(what, code, ms);
    setTimeout(() => !this.stopped && again(), ms).unref();
  }
}

/** Past this many links changed, reading all of them at once costs less than one by one. */
const PATCH_MAX = 1000;

/**
 * `view` with every host link read again (`fresh`), as withLinks: the very view when none changed. Null when
 * a link came or went since (their events drop the view anyway) or the read failed.
 */
export function withAllLinks(view: KernelView, fresh: readonly ObservedLink[] | null): KernelView | null {
  if (fresh === null || fresh.length !== view.host.links.length) return null;
  return withLinks(view, new Map(fresh.map((l) => [l.ifindex, l.name])), fresh);
}

/**
 * `view` with the links of `changed` (index → name) replaced by `fresh`, their addresses kept (an address
 * change is an event of its own, which drops the view); null when a link is not where the view had it.
 */
export function withLinks(view: KernelView, changed: ReadonlyMap<number, string>, fresh: readonly ObservedLink[] | null): KernelView | null {
  if (fresh === null || fresh.length !== changed.size) return null;
  const byIndex = new Map(fresh.map((l) => [l.ifindex, l]));
  let found = 0;
  let moved = false;
  const links = view.host.links.map((old) => {
    const now = byIndex.get(old.ifindex);
    if (now === undefined) return old;
    found++;
    if (now.name !== old.name) return null;
    const patched = { ...now, addrs: old.addrs, addrs6: old.addrs6 };
    // Field by field, the mark and addresses deeply: isDeepStrictEqual on each of ten thousand links was a
    // third of reading them all again.
    if (equalShared(patched, old)) return old;
    moved = true;
    return patched;
  });
  if (found !== fresh.length || links.some((l) => l === null) || fresh.some((l) => changed.get(l.ifindex) !== l.name)) return null;
  // Links restated as they were leave the very view: what is keyed by it (inside-memo.ts) still holds.
  return moved ? { ...view, host: { ...view.host, links: links as ObservedLink[] } } : view;
}
