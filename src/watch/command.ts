// `tnet watch`: the long-running controller. Wires the spec watcher, kernel events and resync timer to the loop.

import { EXIT, exitCodeOf, ok } from '../model/errors.js';
import { renderErrors } from '../render/errors.js';
import { acquireLock, describeHolder } from '../reconcile/lock.js';
import { commit, observeEarly, planReconcile, reconcile, type EarlyObservation } from '../reconcile/reconcile.js';
import { HostReads } from './host-reads.js';
import { inotifyErrors, inotifyFailure } from '../reconcile/watch-limits.js';
import { settlePending } from '../reconcile/pending.js';
import { renderUndo } from '../render/undo.js';
import type { Logger } from './logger.js';
import { LoadCache, loadSpec } from '../spec/load.js';
import { Controller } from './controller.js';
import { Debouncer } from './debounce.js';
import { DnsServerEvents } from './dns-server-events.js';
import { dnsServerNeeded } from '../model/dns.js';
import { formatDuration } from './duration.js';
import { createLogger, type LogFormat, type LogLevel } from './logger.js';
import { Speculator } from './speculate.js';
import { idleCollector } from './idle-gc.js';
import { watchSpec } from './spec-watcher.js';
import { traceAt } from '../util/trace.js';
import { closeMetrics, formatListenAddress, serveMetrics, type ListenAddress } from './metrics-server.js';
import type { WatchMetrics } from './reconcile-stats.js';
import type { Server } from 'node:http';

export interface WatchOptions {
  file: string;
  name?: string;
  /** The host whose part of the spec to keep (overlays, `host:`); default the hostname. */
  host?: string;
  resyncMs: number;
  debounceMs: number;
  level: LogLevel;
  format: LogFormat;
  wait: boolean;
  /** `--metrics ADDR`: where to serve /metrics and /healthz; absent: no metrics, prom-client never loaded. */
  metrics?: ListenAddress | null;
}

/** Kernel events: a link flapping for a while still gets a reconcile every second, well within the 2 s promised. */
const KERNEL_DEBOUNCE_MS = 200;
const KERNEL_MAX_WAIT_MS = 1000;
/** An edit spread over seconds (a slow `git pull`) is still applied within this long after it began. */
const SPEC_MAX_WAIT_MS = 2000;

/** Runs until SIGINT or SIGTERM; resolves to the exit code. */
export async function runWatch(o: WatchOptions): Promise<number> {
  const log = createLogger({ level: o.level, format: o.format });
  // Before the lock: a port taken is said at once, before anything else waits or changes.
  const served = o.metrics ? await startMetrics(o.metrics, log) : null;
  if (served === false) {
    await log.close();
    return EXIT.usage;
  }
  const closeServed = async () => {
    if (served) await closeMetrics(served.server);
  };
  const lock = await acquireLock({
    command: `tnet watch -f ${o.file}`,
    wait: o.wait,
    onWait: (h) => log.warn(`waiting for the lock held by ${describeHolder(h)}`),
  });
  if (!lock.ok) {
    log.error(lock.errors[0].message, { detail: renderErrors(lock.errors).split('\n') });
    await closeServed();
    await log.close();
    return exitCodeOf(lock.errors);
  }
  await settleConfirmations(log);

  const collector = idleCollector();
  const cache = new LoadCache();
  const load = () => loadSpec(o.file, { name: o.name, host: o.host, cache });
  // Before any watch is held: a watch inotify cannot serve is refused now, not found out later.
  const first = await load();
  const limited = inotifyErrors(o.file, first.ok ? first.value : null);
  if (limited.length) {
    log.error(limited[0].message, { detail: renderErrors(limited).split('\n') });
    lock.value.release();
    await closeServed();
    await log.close();
    return exitCodeOf(limited);
  }
  const refused = (what: string, e: Error) => {
    const f = inotifyFailure(what, e);
    if (f) log.error(f.message, { detail: renderErrors([f]).split('\n') });
    return f !== null;
  };
  let refusedSaid = false;
  let stopped = false;
  const host: HostReads = new HostReads({
    drift: (what, detail) => {
      // What was read no longer holds; events during a reconcile are answered after it (Controller).
      speculator.invalidate();
      if (controller.kernelEvent()) {
        log.debug(`${what} event`, detail);
        kernelChanged.trigger();
      }
    },
    // Without a watcher, drift waits for the resync and its part is read afresh on each reconcile.
    lost: (what, code, ms) => log.warn(`${what} exited (${code}); restarting it in ${formatDuration(ms)}`),
    // Once: the files are still read, afresh on every reconcile, and a thousand folders must not log a thousand lines.
    refused: (path, e) => {
      if (!refusedSaid) refusedSaid = refused(path, e);
    },
  });
  const speculator = new Speculator({
    load,
    observe: (): Promise<EarlyObservation> | null => (controller.current ? observeEarly(controller.current, host.kept(), host.session) : null),
    plan: (spec, early) => planReconcile(spec, { deep: false, early, prefetched: host.kept() }, host.session),
    idle: (spec) => controller.isApplied(spec),
  });
  const controller: Controller = new Controller({
    load,
    reconcile: async (spec, deep, warm, applied) => {
      // Kernel events that restated links as they were (the kernel does so for every bridge port some seconds
      // after it joined): nothing changed that a pass would read, so no pass; unless an edit came with them.
      const restated = !deep && !warm && applied ? await host.restated() : null;
      if (restated) {
        log.debug('kernel events restated host links as they were: nothing to do');
        return ok({ ...restated, actions: [], applied: true, ms: 0, warnings: [] });
      }
      const guess = warm ? await speculator.take(spec) : null;
      speculator.invalidate();
      // A kernel event's pass starts from the view kept too, when the events only restated some links.
      const prefetched = deep ? null : host.kept();
      const epoch = host.kernelEpoch;
      if (deep) host.forget();
      host.kernel = null;
      let r = guess ? await commit(guess) : await reconcile(spec, { dryRun: false, deep, prefetched }, host.session);
      if (!r.ok && (prefetched || guess)) r = await reconcile(spec, { dryRun: false, deep }, host.session);
      // What was read during the reconcile saw it half done.
      speculator.invalidate();
      // Read again while idle, as this reconcile left the host: the next edit need not wait for it. Both
      // outcomes handled here: a failed read is retried by whoever uses it, never left unhandled.
      if (r.ok) void host.refresh(spec, r.value, epoch).then(collector.schedule, collector.schedule);
      if (r.ok) dnsServer.follow(dnsServerNeeded(r.value.desired.dns, r.value.observed.dns));
      return r;
    },
    log,
    metrics: served ? served.metrics : null,
    eventsMissed: () => kernelChanged.trigger(),
    specSettled: () => !specChanged.pending,
  });
  const onSpecSettled = () => {
    traceAt('spec settled');
    void controller.request('spec');
  };
  const specChanged = new Debouncer(onSpecSettled, o.debounceMs, Math.max(SPEC_MAX_WAIT_MS, o.debounceMs));
  const kernelChanged = new Debouncer(() => void controller.request('kernel'), KERNEL_DEBOUNCE_MS, KERNEL_MAX_WAIT_MS);
  // The DNS server died: the next reconcile finds it silent and starts it again.
  const dnsServer = new DnsServerEvents(() => {
    if (stopped) return;
    log.warn("tnet's DNS server went away; starting it again");
    host.unsettle();
    if (controller.kernelEvent()) kernelChanged.trigger();
  });

  const files = watchSpec(o.file, (path) => {
    traceAt('spec file event');
    collector.cancel();
    log.debug('spec file event', { path });
    specChanged.trigger();
    if (!controller.reconciling) speculator.start();
  }, (e) => {
    if (!refused(o.file, e)) log.warn(`watching ${o.file}: ${e.message}`);
  });

  let resync: NodeJS.Timeout | null = null;
  // Signals are ours from before the first reconcile: a SIGTERM during it also lets it finish.
  const done = new Promise<number>((resolve) => {
    const shutdown = async (signal: NodeJS.Signals) => {
      stopped = true;
      log.info(`${signal}: finishing the reconcile in flight, then exiting`);
      if (resync) clearInterval(resync);
      specChanged.cancel();
      kernelChanged.cancel();
      dnsServer.close();
      await files.close();
      await controller.stop();
      await host.close();
      await closeServed();
      lock.value.release();
      process.off('SIGINT', onInt).off('SIGTERM', onTerm).off('SIGHUP', onHup);
      log.info('stopped');
      await log.close();
      resolve(EXIT.ok);
    };
    // A second SIGINT or SIGTERM while shutting down means now: the in-flight batch is abandoned.
    const onInt = () => (stopped ? process.exit(130) : void shutdown('SIGINT'));
    const onTerm = () => (stopped ? process.exit(143) : void shutdown('SIGTERM'));
    const onHup = () => {
      log.info('SIGHUP: reading the spec again');
      void controller.request('hup');
    };
    process.on('SIGINT', onInt).on('SIGTERM', onTerm).on('SIGHUP', onHup);
  });

  await Promise.all([files.ready, controller.request('start')]);
  if (!stopped) {
    if (o.resyncMs > 0) resync = setInterval(() => void controller.request('resync'), o.resyncMs);
    log.info(`watching ${o.file}`, { spec: controller.current?.name ?? null, resync: o.resyncMs > 0 ? formatDuration(o.resyncMs) : 'off', pid: process.pid });
    const applied = controller.current;
    if (applied && controller.isApplied(applied) && !controller.reconciling) speculator.warm(applied, collector.now);
  }
  return done;
}

/**
 * prom-client is loaded here only, on demand: `tnet apply` and the watch without --metrics never pay for it.
 * false when the address cannot be listened on (taken, not the machine's), said in the log.
 */
async function startMetrics(at: ListenAddress, log: Logger): Promise<{ metrics: WatchMetrics; server: Server } | false> {
  const { PromMetrics } = await import('./metrics.js');
  const metrics = new PromMetrics();
  try {
    const { server, address } = await serveMetrics(at, metrics);
    log.info(`serving metrics on http://${formatListenAddress(address)}/metrics and /healthz`, { metrics: formatListenAddress(address) });
    return { metrics, server };
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is taken' : (e as Error).message;
    log.error(`--metrics ${formatListenAddress(at)}: cannot listen there: ${why}; not starting`, { code: (e as NodeJS.ErrnoException).code ?? null });
    return false;
  }
}

/**
 * An `apply --confirm` whose tnet was killed may still wait for `tnet confirm`: the watch waits with it, and
 * rolls it back when due (the lock it holds keeps the watchdog out), before reconciling anything.
 */
async function settleConfirmations(log: Logger): Promise<void> {
  let said = false;
  for (;;) {
    const settled = await settlePending();
    for (const r of settled.rolledBack) {
      log.warn(`${r.why}: spec '${r.spec}' rolled back`, { detail: renderUndo(r.undo).trimEnd().split('\n') });
    }
    const p = settled.waiting;
    if (!p) return;
    if (!said) log.warn(`an apply of spec '${p.spec.name}' waits for \`tnet confirm\` until ${new Date(p.deadline).toISOString()}: reconciling after that`);
    said = true;
    await new Promise((r) => setTimeout(r, Math.max(50, Math.min(1000, p.deadline - Date.now()))));
  }
}
