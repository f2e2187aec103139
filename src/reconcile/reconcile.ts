// One reconcile: the stages wired in order, from a valid spec to a plan applied (or only shown).
//
//   observe the host side ──► held ──► desire ──► vouch ──► observe the namespaces not vouched for
//        (links, rules, files)   (addresses, ports        (seals)                │
//                                 the kernel keeps)                              ▼
//                                          desire again, only if those hold other addresses ──► plan ──► actuate
//
// Entering a namespace costs a process; the seal on its host veth costs nothing to read. So the host side is
// read first, the desired state computed from it says which seals vouch for their namespaces, and only the
// others are entered.

import { readFileSync } from 'node:fs';
import { freeze } from 'immer';
import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { caught, fail, ok, type Result, type TnetError, type TnetWarning, type UndoReport } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import type { Spec } from '../model/spec.js';
import { observeInside, observeKernel, readBase, type BaseObservation, type BaseReads, type KernelView } from '../observe/observe.js';
import { readLimits } from '../observe/limits.js';
import { socketOwners } from '../observe/listening.js';
import { desire } from '../desired/desired.js';
import { held, heldAddresses, heldLinks, withNetnsAddresses, type HeldAddresses } from '../desired/held.js';
import type { HeldLinks } from '../desired/veth-names.js';
import { deletedNamespaces, plan } from '../plan/plan.js';
import { netnsHolders } from '../observe/holders.js';
import { vouched } from '../plan/vouch.js';
import { portsInTheWay } from '../plan/check-host.js';
import { applyPlan, type ApplyOutcome, type PhaseListener } from '../actuate/apply.js';
import { afterFailure } from './rollback.js';
import { AppliedCheck } from './verify.js';
import type { FirewallGlue } from './firewall.js';
import { Session } from './session.js';
import type { SpecFacts } from './spec-facts.js';
import type { LinkBackend } from '../model/backends.js';
import { trace } from '../util/trace.js';
import { containersOf } from '../spec/lookup.js';
import { same } from '../util/last-value.js';

/**
 * The tests set TNET_FREEZE: the planner then gets values it cannot change, so a diff that mutated its inputs
 * throws there instead of corrupting a plan. Elsewhere the walk is skipped: ~10 ms at a thousand containers.
 */
const FREEZE = Boolean(process.env.TNET_FREEZE);

export interface ReconcileOptions {
  dryRun: boolean;
  /** destroy: the spec's name is kept, everything it declares is dropped, so the plan removes all it owns. */
  destroy?: boolean;
  /** Enter every namespace, even those a host veth seal vouches for: finds hand edits made inside them. */
  deep?: boolean;
  /**
   * Watch mode: links, addresses, routes and namespaces as the previous reconcile left them, read while idle
   * and dropped on any kernel event. The rules and files are read through the session, which watch mode
   * makes serve what it keeps (watch/host-reads.ts); the fdb is always read afresh.
   */
  prefetched?: Promise<KernelView> | null;
  /** Watch mode: the host side read early, while an edit settled; used when this spec asks for the same reads. */
  early?: EarlyObservation | null;
  /** When applying fails: keep what went through (`--no-rollback`) instead of undoing it. */
  keep?: boolean;
  /** Told as each phase starts: reading the host, planning, each step of the apply, verifying, rolling back. */
  progress?: PhaseListener;
}

/** A reconcile's result; a failed apply also says what its undo did and what is left changed. */
export type Outcome = Result<ReconcileReport> | { ok: false; errors: TnetError[]; undo: UndoReport };

export interface ReconcileReport {
  actions: Action[];
  applied: boolean;
  desired: DesiredState;
  observed: ObservedState;
  /** The kernel view the plan started from: still the host's after a reconcile that changed nothing. */
  kernel: KernelView;
  ms: number;
  /** Said after an apply that went through: namespaces it deleted that processes still hold. */
  warnings: TnetWarning[];
}

/** A plan with what is needed to carry it out later: watch mode plans while an edit settles. */
export interface Planned {
  report: ReconcileReport;
  fw: FirewallGlue | null;
  /** How namespaces are configured, in order of preference (the session's). */
  links: readonly LinkBackend[];
  started: number;
}

/** The host side read for a spec's reads (`key`), before the spec that uses it is known for sure. */
export interface EarlyObservation {
  key: string;
  reads: BaseReads;
}

export async function reconcile(spec: Spec, opts: ReconcileOptions, session: Session = new Session()): Promise<Outcome> {
  const planned = await planReconcile(spec, opts, session);
  if (!planned.ok) return planned;
  return opts.dryRun ? ok(planned.value.report) : commit(planned.value, opts.keep === true, opts.progress);
}

/** Observes, desires and plans; changes nothing. A read of the host that failed is a failed result. */
export function planReconcile(spec: Spec, opts: Omit<ReconcileOptions, 'dryRun'>, session: Session): Promise<Result<Planned>> {
  return caught(planOnce(spec, opts, session));
}

async function planOnce(spec: Spec, opts: Omit<ReconcileOptions, 'dryRun'>, session: Session): Promise<Result<Planned>> {
  const start = trace('start-up and spec', 0);
  opts.progress?.('reading the host', 0);
  const target = opts.destroy ? emptied(spec) : spec;
  // The host's links and namespaces are read while the backend is detected (both read only): a one-shot
  // command would otherwise wait for two iptables-saves before starting its longest read.
  const kernel = opts.prefetched ?? (opts.early ? null : observeKernel());
  kernel?.catch(() => undefined);
  // A fresh session detects the backend; watch mode's detects again on its deep passes only. Destroy and
  // deep passes read the IPv6 tables whatever the spec says (reconcile/firewall.ts).
  const fw = await session.firewall.forSpec(target, opts.deep === true, opts.destroy === true || opts.deep === true);
  trace('firewall backend', start);
  const hostResolv = hostResolvConf();
  let t = performance.now();
  const early = opts.early?.key === readsKey(target, fw, session) ? opts.early.reads : null;
  const reads = early ?? readBase(observeOptions(target, fw, session), kernel);
  const ctx: DesireContext = { spec: target, fw, hostResolv, session };
  const { base, ips: baseIps, links, first } = await desireOnHost(ctx, reads);
  t = trace(`observe host, files, rules${early ? ' (read early)' : ''}; desire`, t);
  if (!first.ok) return first;
  // What the host side shows decides which namespaces must be entered.
  const inside = await observeNamespaces(base, first.value, opts.deep === true, session);
  t = trace('observe namespaces', t);
  // Namespaces read just now may hold addresses no seal recorded (after a crash): only then desire again.
  // The host's links are those of the first desire: host veth names come out the same.
  // The host's links are those desired from already (the same view): only the namespaces read add to them.
  const ips = session.heldInside.get([target.name, baseIps, inside.netns], () => withNetnsAddresses(target.name, baseIps, inside.netns));
  const desired = sameHeld(baseIps, ips) ? first : desireWith(ctx, ips, links, inside);
  if (!desired.ok) return desired;
  const observed = withLimits(desired.value, withOwners(desired.value, inside, session), session);
  if (FREEZE) [desired.value, observed].forEach((v) => freeze(v, true));
  opts.progress?.('planning', 0);
  const planned = plan(desired.value, observed, session.plan);
  trace('plan', t);
  if (!planned.ok) return planned;
  const report = { actions: planned.value, applied: false, desired: desired.value, observed, kernel: base.kernel, ms: performance.now() - start, warnings: [] };
  return ok({ report, fw, links: session.links, started: start });
}

/** The namespaces: entered unless their seals vouch for them, or found as a warm pass left them (inside-memo.ts). */
async function observeNamespaces(base: BaseObservation, desired: DesiredState, deep: boolean, session: Session): Promise<ObservedState> {
  if (deep) return observeInside(base, new Map());
  const kept = session.inside.get(base.kernel, desired);
  if (kept) return { ...base.observed, netns: kept };
  const ids = new Map(base.listed.map((e) => [e.name, e.id]));
  const trusted = vouched(desired, base.observed, ids);
  const inside = await observeInside(base, trusted);
  session.inside.set(base.kernel, desired, inside.netns, base.listed.every((e) => !e.id || trusted.has(e.name)));
  return inside;
}

/** Read at once: an await here would let the file reads queued by readBase run before desiring. */
function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Carries out a plan: all of it, or, when a step fails, none of it: what went through is undone (unless
 * `keep`), and the outcome says what is left changed.
 */
export async function commit(planned: Planned, keep = false, progress?: PhaseListener): Promise<Outcome> {
  const { report, fw, links, started } = planned;
  if (report.actions.length === 0) return ok({ ...report, applied: true, ms: performance.now() - started });
  // The check reads each part as soon as the apply is done with it (verify.ts).
  const check = new AppliedCheck(report.actions, report.desired, report.observed, fw);
  const applied = await caughtOutcome(applyPlan(report.actions, fw, links, { onPhase: progress, onSettled: (part) => check.settled(part) }));
  if (!applied.errors.length) progress?.('verifying', 0);
  const outcome = applied.errors.length ? applied : { ...applied, errors: await verified(check) };
  if (outcome.errors.length === 0) return ok({ ...report, applied: true, ms: performance.now() - started, warnings: stillHeld(report) });
  progress?.(keep ? 'listing what went through' : 'rolling back', 0);
  const undo = await caught(afterFailure({ before: report.observed, outcome, fw, links }, keep).then(ok));
  if (!undo.ok) return fail(...outcome.errors, ...undo.errors);
  return { ok: false, errors: outcome.errors, undo: undo.value };
}

/**
 * The namespaces the apply deleted that processes are still inside: their veths went with the apply, their
 * processes run on without a network, and whoever runs tnet should know. /proc is walked only when the plan
 * deleted some namespace of its own.
 */
function stillHeld(report: ReconcileReport): TnetWarning[] {
  const ids = new Map<string, string>();
  for (const name of deletedNamespaces(report.actions, report.observed)) {
    const id = report.observed.netns[name]?.id;
    if (id) ids.set(id, name);
  }
  const t = performance.now();
  const held = netnsHolders(ids);
  if (ids.size) trace('processes in the deleted namespaces', t);
  return [...ids.values()].flatMap((netns): TnetWarning[] => {
    const holders = held.get(netns);
    return holders ? [{ code: 'netns-held', netns, holders }] : [];
  });
}

/** What the apply touched, read again: a failure to read is a failure to verify. */
async function verified(check: AppliedCheck): Promise<TnetError[]> {
  const t = performance.now();
  const r = await caught(check.result().then(ok));
  trace('verify', t);
  return r.ok ? r.value : r.errors;
}

/** An apply that threw (a read it made failed) attempted nothing it can tell of: its error is the outcome. */
async function caughtOutcome(work: Promise<ApplyOutcome>): Promise<ApplyOutcome> {
  const r = await caught(work.then((o) => ok(o)));
  return r.ok ? r.value : { errors: r.errors, attempted: [] };
}

/**
 * Starts reading the host side for `spec` now (watch mode: when an edit arrives, before it settles). The
 * reconcile that follows uses it if its own spec asks for the same reads, whatever else the edit changed.
 */
export async function observeEarly(spec: Spec, prefetched: Promise<KernelView> | null, session: Session): Promise<EarlyObservation> {
  // iptables-save is the longest read: started before this returns when the backend is known.
  const fw = session.firewall.known(spec) ?? (await session.firewall.forSpec(spec, false));
  fw?.prepare();
  return { key: readsKey(spec, fw, session), reads: readBase(observeOptions(spec, fw, session), prefetched) };
}

/** Watch mode, once a reconcile is done: reads the rules and starts the next restore while idle, for the next edit to find them ready. */
export function readRulesAhead(spec: Spec, session: Session): void {
  const fw = session.firewall.known(spec);
  fw?.observe().catch(() => undefined);
  // The next restore's process too: spawning from a process of 300 MB costs the main thread ~10-40 ms, which
  // the next edit would otherwise spend when it arrives (observeEarly prepares only if none is waiting).
  fw?.prepare();
}

/** What every desire of one reconcile shares. */
interface DesireContext {
  spec: Spec;
  fw: FirewallGlue | null;
  hostResolv: string;
  session: Session;
}

/**
 * The host side read and a first desired state from it. Addresses held come from the kernel view, host ports
 * chosen earlier from the DNAT rules: a spec without such ports is desired while iptables-save still runs.
 */
async function desireOnHost(ctx: DesireContext, reads: BaseReads) {
  const hostLinks = (await reads.kernel).host.links;
  const { ips, links } = ctx.session.heldOnHost.get([ctx.spec.name, hostLinks], () => ({
    ips: heldAddresses(ctx.spec.name, hostLinks, {}),
    links: heldLinks(ctx.spec.name, hostLinks),
  }));
  const early = ctx.fw !== null && factsOf(ctx.spec, ctx.session).chosen ? null : desireWith(ctx, ips, links, null);
  const base = await reads.base;
  return { base, ips, links, first: early ?? desireWith(ctx, ips, links, base.observed) };
}

/**
 * `ips`: heldAddresses, `links`: heldLinks, computed once by the caller. `seen`: the firewall and the host's
 * sockets as observed, or null when not needed.
 */
function desireWith(ctx: DesireContext, ips: HeldAddresses, links: HeldLinks, seen: Pick<ObservedState, 'firewall' | 'listening'> | null): Result<DesiredState> {
  const kept = held(ctx.spec, ips.v4, links, seen?.firewall ?? null, seen?.listening, ips.v6, factsOf(ctx.spec, ctx.session).chosen);
  const inputs = { spec: ctx.spec, held: kept, hostResolv: ctx.hostResolv, firewall: ctx.fw !== null };
  return desire(inputs, ctx.session.desire);
}

/**
 * The processes holding the sockets a published port would take over, for the planner to name them. Looking
 * them up walks /proc: done only when there are such sockets, that is when the plan is about to refuse.
 */
function withOwners(desired: DesiredState, observed: ObservedState, session: Session): ObservedState {
  const inTheWay = portsInTheWay(desired, observed, session.plan?.host ?? null).map((c) => c.socket.inode);
  if (inTheWay.length === 0) return observed;
  const owners = socketOwners(inTheWay);
  return { ...observed, listening: observed.listening.map((s) => ({ ...s, owner: owners.get(s.inode) ?? s.owner })) };
}

/**
 * The kernel's limits, for the planner to check: a few /proc files, and more only when the spec has
 * namespaces not there yet (a re-apply creates none and skips it).
 */
function withLimits(desired: DesiredState, observed: ObservedState, session: Session): ObservedState {
  const creates = session.creates.get([desired.netns, observed.netns], () => desired.netns.filter((n) => n.kind === 'created' && !observed.netns[n.name]).length);
  // The namespaces named are counted against the limits only when some are created (listing 10,000 costs ~5 ms).
  const named = creates > 0 ? Object.values(observed.netns).map((n) => n.id) : [];
  return { ...observed, limits: readLimits(creates, named) };
}

function observeOptions(spec: Spec, fw: FirewallGlue | null, session: Session) {
  const facts = factsOf(spec, session);
  return {
    firewall: fw ? () => fw.observe() : null,
    paths: facts.paths,
    fdb: Object.values(spec.bridges).some((b) => b.overlay),
    files: session.files,
    // Without a firewall nothing is published, so no socket can be in the way.
    listening: fw !== null && facts.publishes,
    dns: spec.name,
    dnsRecords: session.dnsRecords,
  };
}

function factsOf(spec: Spec, session: Session): SpecFacts {
  return session.specFacts.of(containersOf(spec));
}

/** What observeOptions reads for a spec, as a comparable value. */
function readsKey(spec: Spec, fw: FirewallGlue | null, session: Session): string {
  const o = observeOptions(spec, fw, session);
  return JSON.stringify([fw?.reads ?? null, o.paths, o.fdb, o.listening, o.dns]);
}

function sameHeld(a: HeldAddresses, b: HeldAddresses): boolean {
  return same(a.v4, b.v4) && same(a.v6, b.v6);
}

function emptied(spec: Spec): Spec {
  return { ...spec, bridges: {}, containers: {} };
}
