// One reconcile: observe the kernel, compute the desired state and the plan, and apply it unless told not to.

import { readFileSync } from 'node:fs';
import { freeze } from 'immer';
import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { fail, ok, type Result } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Spec } from '../model/spec.js';
import { observeInside, readBase, type BaseReads, type KernelView } from '../observe/observe.js';
import type { FirewallObserved } from '../model/firewall.js';
import { allocate, effectivePorts } from '../desired/allocate.js';
import { buildDesired } from '../desired/desired.js';
import { plan } from '../plan/plan.js';
import { vouched } from '../plan/vouch.js';
import { applyPlan } from '../actuate/apply.js';
import { ipLinks } from '../actuate/links/ip.js';
import { netlinkLinks } from '../actuate/links/netlink.js';
import type { LinkBackend } from '../model/backends.js';
import { firewallFor, knownFirewall, type FirewallGlue } from './firewall.js';
import { heldIps } from '../desired/held.js';
import { trace } from '../util/trace.js';

/**
 * The tests set TNET_FREEZE: the planner then gets values it cannot change, so a diff that mutated its inputs
 * throws there instead of corrupting a plan. Elsewhere the walk is skipped: ~10 ms at a thousand containers.
 */
const FREEZE = Boolean(process.env.TNET_FREEZE);

/**
 * The netlink worker where it can run, `nsenter … ip -batch` where it cannot. TNET_NETLINK=ip skips the
 * worker: the tests run both paths and compare what they wired.
 */
const LINKS: readonly LinkBackend[] = process.env.TNET_NETLINK === 'ip' ? [ipLinks] : [netlinkLinks, ipLinks];

export interface ReconcileOptions {
  dryRun: boolean;
  /** destroy: the spec's name is kept, everything it declares is dropped, so the plan removes all it owns. */
  destroy?: boolean;
  /** Enter every namespace, even those a host veth seal vouches for: finds hand edits made inside them. */
  deep?: boolean;
  /**
   * Watch mode: links, addresses, routes and namespaces as the previous reconcile left them, read while idle
   * and dropped on any kernel event. The rules and files are read through the backend and observeFiles,
   * which watch mode makes serve what it keeps (watch/host-reads.ts); the fdb is always read afresh.
   */
  prefetched?: Promise<KernelView> | null;
  /** Watch mode: the host side read early, while an edit settled; used when this spec asks for the same reads. */
  early?: EarlyObservation | null;
}

export interface ReconcileReport {
  actions: Action[];
  applied: boolean;
  desired: DesiredState;
  observed: ObservedState;
  /** The kernel view the plan started from: still the host's after a reconcile that changed nothing. */
  kernel: KernelView;
  ms: number;
}

/** A plan with what is needed to carry it out later: watch mode plans while an edit settles. */
export interface Planned {
  report: ReconcileReport;
  fw: FirewallGlue | null;
  started: number;
}

/** The host side read for a spec's reads (`key`), before the spec that uses it is known for sure. */
export interface EarlyObservation {
  key: string;
  reads: BaseReads;
}

export async function reconcile(spec: Spec, opts: ReconcileOptions): Promise<Result<ReconcileReport>> {
  const planned = await planReconcile(spec, opts);
  if (!planned.ok) return planned;
  return opts.dryRun ? ok(planned.value.report) : commit(planned.value);
}

/** Observes, desires and plans; changes nothing. */
export async function planReconcile(spec: Spec, opts: Omit<ReconcileOptions, 'dryRun'>): Promise<Result<Planned>> {
  const start = trace('start-up and spec', 0);
  const target = opts.destroy ? emptied(spec) : spec;
  // A fresh process has no backend cached and detects it; watch mode detects again on its deep passes only.
  const fw = await firewallFor(target, opts.deep === true);
  trace('firewall backend', start);
  const hostResolv = hostResolvConf();
  let t = performance.now();
  const early = opts.early?.key === readsKey(target, fw) ? opts.early.reads : null;
  const reads = early ?? readBase(observeOptions(target, fw), opts.prefetched);
  const { base, ips: baseIps, first } = await desireOnHost(target, fw, hostResolv, reads);
  t = trace(`observe host, files, rules${early ? ' (read early)' : ''}; desire`, t);
  if (!first.ok) return first;
  // What the host side shows decides which namespaces must be entered.
  const ids = new Map(base.listed.map((e) => [e.name, e.id]));
  const observed = await observeInside(base, opts.deep ? new Map() : vouched(first.value, base.observed, ids));
  t = trace('observe namespaces', t);
  // Namespaces read just now may hold addresses no seal recorded (after a crash): only then desire again.
  const ips = heldIps(target.name, observed.links, observed.netns);
  const desired = sameHeld(baseIps, ips) ? first : desire(target, observed.firewall, ips, fw, hostResolv);
  if (!desired.ok) return desired;
  if (FREEZE) [desired.value, observed].forEach((v) => freeze(v, true));
  const planned = plan(desired.value, observed);
  trace('plan', t);
  if (!planned.ok) return planned;
  const report = { actions: planned.value, applied: false, desired: desired.value, observed, kernel: base.kernel, ms: performance.now() - start };
  return ok({ report, fw, started: start });
}

/** Read at once: an await here would let the file reads queued by readBase run before desiring. */
function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/** Carries out a plan. */
export async function commit({ report, fw, started }: Planned): Promise<Result<ReconcileReport>> {
  const errors = report.actions.length ? await applyPlan(report.actions, fw, LINKS) : [];
  if (errors.length) return fail(...errors);
  return ok({ ...report, applied: true, ms: performance.now() - started });
}

/**
 * Starts reading the host side for `spec` now (watch mode: when an edit arrives, before it settles). The
 * reconcile that follows uses it if its own spec asks for the same reads, whatever else the edit changed.
 */
export async function observeEarly(spec: Spec, prefetched: Promise<KernelView> | null): Promise<EarlyObservation> {
  // iptables-save is the longest read: started before this returns when the backend is known.
  const fw = knownFirewall(spec) ?? (await firewallFor(spec, false));
  fw?.prepare();
  return { key: readsKey(spec, fw), reads: readBase(observeOptions(spec, fw), prefetched) };
}

/** Watch mode, once a reconcile is done: reads the rules while idle, for the next edit to find them read. */
export function readRulesAhead(spec: Spec): void {
  knownFirewall(spec)?.observe().catch(() => undefined);
}

/**
 * The host side read and a first desired state from it. Addresses held come from the kernel view, host ports
 * chosen earlier from the DNAT rules: a spec without such ports is desired while iptables-save still runs.
 */
async function desireOnHost(spec: Spec, fw: FirewallGlue | null, hostResolv: string, reads: BaseReads) {
  const ips = heldIps(spec.name, (await reads.kernel).host.links, {});
  const early = fw !== null && hasChosenPorts(spec) ? null : desire(spec, null, ips, fw, hostResolv);
  const base = await reads.base;
  return { base, ips, first: early ?? desire(spec, base.observed.firewall, ips, fw, hostResolv) };
}

/**
 * `ips`: the addresses the spec's containers hold (heldIps), computed once by the caller. `rules`: the
 * firewall as observed; null (not read yet) only for a spec without host ports to choose, which need none.
 */
function desire(spec: Spec, rules: FirewallObserved | null, ips: Record<string, string>, fw: FirewallGlue | null, hostResolv: string): Result<DesiredState> {
  const alloc = allocate(spec, {
    ips,
    hostPorts: fw?.heldPorts(rules, ips) ?? {},
    taken: fw?.takenPorts(rules) ?? [],
  });
  if (!alloc.ok) return alloc;
  return ok(buildDesired({ spec, alloc: alloc.value, hostResolv, firewall: fw ? fw.desired(spec, alloc.value) : null }));
}

function observeOptions(spec: Spec, fw: FirewallGlue | null) {
  return { firewall: fw ? () => fw.observe() : null, paths: netnsPaths(spec), fdb: Object.values(spec.bridges).some((b) => b.overlay) };
}

/** What observeOptions reads for a spec, as a comparable value. */
function readsKey(spec: Spec, fw: FirewallGlue | null): string {
  const o = observeOptions(spec, fw);
  return JSON.stringify([fw?.reads ?? null, o.paths, o.fdb]);
}

/** Ports published without a host port (`"80"`, publishAll): tnet picks one, and keeps it across applies. */
function hasChosenPorts(spec: Spec): boolean {
  return Object.values(spec.containers).some((c) => effectivePorts(c).some((p) => p.hostPort === null));
}

function sameHeld(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]);
}

function emptied(spec: Spec): Spec {
  return { ...spec, bridges: {}, containers: {} };
}

function netnsPaths(spec: Spec): string[] {
  return Object.values(spec.containers).flatMap((c) => (c.netns ? [c.netns] : []));
}
