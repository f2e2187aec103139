// Executes a plan in stages (namespaces and links beside the rules and the DNS server's start, then switches, then the insides beside DNS and the files), batched per step.

import type { Action, FwTableUpdate, SealAction } from '../model/action.js';
import type { LinkBackend, ReadyLinks } from '../model/backends.js';
import type { FwFamily, FwTableName } from '../model/firewall.js';
import { tnetError, type TnetError } from '../model/errors.js';
import { applyDns, startDns } from './dns.js';
import { applyFiles } from './files.js';
import { fdbBatch, fdbLines } from './bridge-batch.js';
import { hostBatch } from './ip-batch.js';
import { batchLines } from './link-ops.js';
import { applyNamespaces } from './namespaces.js';
import { dropIntents, intentsFile, recordIntents } from './intents.js';
import { trace } from '../util/trace.js';

export interface FirewallApplier {
  /** Every table's update in one go: one process per family (`family` 6: ip6tables), each table atomic. */
  apply(updates: { table: FwTableName; family?: FwFamily; update: FwTableUpdate }[]): Promise<TnetError[]>;
}

export interface Phases {
  /**
   * Host links and namespaces removed to make room for ones of the same name (a stale namespace, a veth
   * without its peer), then namespaces added: these deletions come first, so the names are free again. The
   * veths of a namespace deleted here are deleted before it (link-reap): the kernel frees a namespace later,
   * and never while a process holds it, so its veths would still hold their names.
   */
  teardown: Action[];
  netnsAdd: Action[];
  attach: Extract<Action, { op: 'netns-attach' }>[];
  /** Marks of the namespaces this plan creates or marks, recorded before creating them: see intents.ts. */
  intents: Map<string, string>;
  host: Action[];
  inside: Map<string, Action[]>;
  seal: SealAction[];
  sysctls: Extract<Action, { op: 'sysctl' }>[];
  files: Extract<Action, { op: 'file-write' }>[];
  firewall: Extract<Action, { op: 'fw-update' }>[];
  /** Records written, then the server started, reloaded or stopped: once the bridges and rules are there. */
  dns: Extract<Action, { op: 'dns-records' | 'dns-serve' | 'dns-stop' }>[];
  /** VXLAN forwarding entries, once the host batch has made their devices. */
  fdb: Extract<Action, { op: 'fdb-add' | 'fdb-del' }>[];
  /**
   * What the plan removes for good (pruned links and namespaces, their veths, their folders): last, once
   * everything else went through, since a removed namespace cannot be brought back if a later phase fails.
   */
  prune: Action[];
  pruneDirs: Extract<Action, { op: 'dir-remove' }>[];
}

/** Names the plan creates: a deletion of one of them makes room, any other deletion prunes. */
function createdNames(plan: Action[]): Set<string> {
  return new Set(
    plan.flatMap((a) => {
      if (a.op === 'netns-add' || a.op === 'netns-attach' || a.op === 'bridge-add' || a.op === 'vxlan-add') return [a.name];
      return a.op === 'veth-add' ? [a.hostIf] : [];
    }),
  );
}

/** Groups a plan into the batches that run it; plan order is kept within each batch. */
export function toPhases(plan: Action[]): Phases {
  const p: Phases = {
    teardown: [], netnsAdd: [], attach: [], intents: new Map(), host: [], inside: new Map(), seal: [],
    sysctls: [], files: [], firewall: [], dns: [], fdb: [], prune: [], pruneDirs: [],
  };
  const created = createdNames(plan);
  const netnsDel: Action[] = [];
  const pruneNetns: Action[] = [];
  for (const a of plan) {
    switch (a.op) {
      case 'netns-del':
        (created.has(a.name) ? netnsDel : pruneNetns).push(a);
        break;
      case 'netns-add':
        p.netnsAdd.push(a);
        break;
      case 'netns-attach':
        p.attach.push(a);
        break;
      case 'sysctl':
        p.sysctls.push(a);
        break;
      case 'file-write':
        p.files.push(a);
        break;
      case 'dir-remove':
        p.pruneDirs.push(a);
        break;
      case 'fw-update':
        p.firewall.push(a);
        break;
      case 'dns-records':
      case 'dns-serve':
      case 'dns-stop':
        p.dns.push(a);
        break;
      case 'fdb-add':
      case 'fdb-del':
        p.fdb.push(a);
        break;
      case 'link-reap':
        (created.has(a.dev) ? p.teardown : p.prune).push(a);
        break;
      case 'link-seal':
        p.seal.push(a);
        break;
      case 'netns-mark':
        p.intents.set(a.name, a.mark);
        addInside(p, a.name, a);
        break;
      case 'bridge-add':
      case 'veth-add':
        p.host.push(a);
        break;
      case 'link-del':
        // Host ends go before their namespaces: a deleted namespace takes its veths with it, but later.
        if (a.ns !== null) addInside(p, a.ns, a);
        else (created.has(a.dev) ? p.teardown : p.prune).push(a);
        break;
      default:
        if (a.ns === null) p.host.push(a);
        else addInside(p, a.ns, a);
    }
  }
  p.teardown.push(...netnsDel);
  p.prune.push(...pruneNetns);
  return p;
}

function addInside(p: Phases, ns: string, a: Action): void {
  const list = p.inside.get(ns);
  if (list) list.push(a);
  else p.inside.set(ns, [a]);
}

/** One step of an apply: the actions it carries out, and how, in one process at most. */
interface Step {
  /** What TNET_TRACE calls it. */
  name: string;
  actions: readonly Action[];
  run(): Promise<TnetError[]>;
  /** Runs though it has no action of its own: they were counted by an earlier step (the reload after 'dns start'). */
  needed?: boolean;
  /**
   * Changes nothing the check after the apply reads of the host (links, addresses, routes, nsids, the fdb): the
   * insides of namespaces, the DNS records, the intents' drop (reconcile/verify.ts reads those apart).
   */
  hostUnchanged?: boolean;
  /** Once it went through, the check may read this part. */
  settles?: SettledPart;
}

/** What the check after an apply reads apart (reconcile/verify.ts): the host side, and the DNS server's state. */
export type SettledPart = 'host' | 'dns';

/** Told as each phase starts: its name and how many actions it carries out (a terminal shows it, see cli/progress.ts). */
export type PhaseListener = (phase: string, actions: number) => void;

export interface ApplyOptions {
  /** Undo: every step runs whatever failed before it, and batches go on past a line that fails. */
  tolerant?: boolean;
  onPhase?: PhaseListener;
  /**
   * Told when the apply is done with a part the check reads: 'host' once, before the first stage from which
   * on no step changes the host side (after the last stage if some step of each does); 'dns' once the DNS
   * step went through. The check reads each then, beside what is left.
   */
  onSettled?: (part: SettledPart) => void;
}

export interface ApplyOutcome {
  errors: TnetError[];
  /** The actions of every step that started, in the order they ran: those an undo must set back. */
  attempted: Action[];
}

/**
 * Runs the stages in order and stops after the first that fails: later stages depend on earlier ones. The
 * steps of one stage touch different objects and run side by side (each is its own process, thread or
 * worker). `links` configure the namespaces' insides, in order of preference: the first that is not
 * unavailable serves.
 */
export async function applyPlan(
  plan: Action[], firewall: FirewallApplier | null, links: readonly LinkBackend[], opts: ApplyOptions = {},
): Promise<ApplyOutcome> {
  const ahead: Ahead = { ready: null };
  try {
    return await runStages(stages(toPhases(plan), firewall, links, opts.tolerant === true, ahead), opts);
  } finally {
    ahead.ready?.close();
  }
}

/** The insides' processes when their backend starts them ahead (LinkBackend.ready), from the host batch's stage on. */
interface Ahead {
  ready: ReadyLinks | null;
}

async function runStages(all: Step[][], opts: ApplyOptions): Promise<ApplyOutcome> {
  const out: ApplyOutcome = { errors: [], attempted: [] };
  const settledAt = hostSettledAt(all);
  for (const [i, stage] of all.entries()) {
    if (i === settledAt) opts.onSettled?.('host');
    // Bookkeeping steps (intents) do nothing to see.
    const shown = stage.filter((s) => s.actions.length);
    if (shown.length) opts.onPhase?.(shown.map((s) => s.name).join(' + '), shown.reduce((n, s) => n + s.actions.length, 0));
    for (const step of stage) out.attempted.push(...step.actions);
    // TNET_TRACE names each step by its stage: steps of one stage ran side by side, their times overlap.
    const errors = await Promise.all(stage.map((step) => timedStep(step, `stage ${i}: ${step.name}`, opts.onSettled)));
    out.errors.push(...errors.flat());
    if (out.errors.length && !opts.tolerant) return out;
  }
  if (settledAt === all.length) opts.onSettled?.('host');
  return out;
}

/** The first stage from which on every step leaves the host side as it is. */
function hostSettledAt(all: Step[][]): number {
  let i = all.length;
  while (i > 0 && all[i - 1].every((s) => s.hostUnchanged === true)) i--;
  return i;
}

async function timedStep(step: Step, label: string, onSettled: ApplyOptions['onSettled']): Promise<TnetError[]> {
  const t = performance.now();
  const errors = await step.run();
  trace(label, t);
  if (errors.length === 0 && step.settles) onSettled?.(step.settles);
  return errors;
}

const insideActions = (p: Phases) => [...[...p.inside.values()].flat(), ...p.seal];

function stages(p: Phases, firewall: FirewallApplier | null, links: readonly LinkBackend[], force: boolean, ahead: Ahead): Step[][] {
  const batch = (actions: Action[]) => hostBatch(batchLines(actions), force);
  const intents = intentsFile();
  const firstPart = [...p.teardown, ...p.netnsAdd];
  // Before the namespaces are addressed: on a dual-stack bridge each new address makes its container send
  // MLD reports, which the bridge floods to every port unless the rules already drop them there. Rules name
  // bridges and addresses, not objects that must exist: they go in while the kernel makes the links.
  const rules: Step = { name: 'firewall', actions: p.firewall, run: () => applyFirewall(p.firewall, firewall) };
  const dns = dnsSteps(p.dns);
  // Files under /etc/netns are data alone, written once the host batch is done: beside it, 1,000 folders took
  // ~300 ms and made the batch ~100 ms slower (its `netns add`s are bind mounts, which path walks may retry
  // against: a guess); after it, ~55 ms. Applies of 1,000 in turn, eight each: 2.09 s beside, 2.02 s after (medians).
  // After it means beside the insides, whose workers run ahead of this thread: the writes take the time the
  // workers wait for the kernel's rtnl lock. The check does not read them back (reconcile/verify.ts).
  const files: Step = { name: 'files', actions: p.files, run: () => applyFiles(p.files), hostUnchanged: true };
  const workers = workersStep(p, links, ahead);
  const all: Step[][] = [
    // A namespace is marked from inside, in a later step: if tnet dies in between, the mark recorded here
    // beforehand tells the next run the namespace is its own, and it is not refused as a stranger's.
    [{ name: 'intents', actions: [], run: () => recordIntents(p.intents, intents) }],
    // One `ip -batch` for the host when nothing needs doing between its parts (bind mounts).
    ...(p.attach.length === 0
      ? [[{ name: 'host batch', actions: [...firstPart, ...p.host], run: () => batch([...firstPart, ...p.host]) }, rules, dns.start, workers]]
      : [
          [{ name: 'namespaces', actions: [...firstPart, ...p.attach], run: () => applyNamespaces(batchLines(firstPart), p.attach) }, rules, dns.start, workers],
          [{ name: 'host batch', actions: p.host, run: () => batch(p.host) }],
        ]),
    [{ name: 'fdb', actions: p.fdb, run: () => fdbBatch(p.fdb.flatMap(fdbLines)) }],
    // After the host batch: per-bridge switches (route_localnet) need their bridge to exist. Before the insides,
    // beside which the check reads the host side: forwarding is read with the links.
    [{ name: 'sysctls', actions: p.sysctls, run: () => applyFiles(p.sysctls) }],
    // Seals last among the insides: each one only once its namespace's side went through, since it vouches
    // for it. The DNS server's records and reload need nothing from inside the namespaces, only their bridges.
    [
      { name: 'inside namespaces', actions: insideActions(p), run: () => insideNamespaces(p.inside, p.seal, links, ahead.ready), hostUnchanged: insidesOnly(p) },
      // Before the prune: the server lets go of the addresses of bridges about to go while they still exist.
      dns.reload,
      files,
    ],
    // Nothing to wait for after it: the veths went in the batch, the kernel frees the namespaces in its time.
    [{ name: 'prune batch', actions: p.prune, run: () => batch(p.prune) }],
    [{ name: 'prune files', actions: p.pruneDirs, run: () => applyFiles(p.pruneDirs) }],
    [{ name: 'intents dropped', actions: [], run: () => dropIntents(p.intents, intents), hostUnchanged: true }],
  ];
  // Empty steps are left out, but for the intents' bookkeeping first and last.
  const last = all.length - 1;
  return all.map((stage, i) => stage.filter((s) => s.actions.length > 0 || s.needed === true || i === 0 || i === last)).filter((stage) => stage.length > 0);
}

/**
 * The DNS server's process starts beside the host batch, its records written first: a server started now
 * reads them while the kernel works, and the reload with the insides, which makes them the ones it answers
 * from, finds its code warm (the first load of a thousand containers' records took 67 ms of CPU, later ones
 * 13). A server already running answers from the old ones until that reload. An undo stops the server from
 * there on if it was down before, and puts the records back. `start` is left out, as every empty step,
 * without a dns-serve; without one the records go with the reload or the stop.
 */
function dnsSteps(actions: Phases['dns']): { start: Step; reload: Step } {
  const serve = actions.filter((a) => a.op === 'dns-serve');
  const early = serve.length ? actions.filter((a) => a.op === 'dns-records') : [];
  const later = actions.filter((a) => !early.some((e) => e === a));
  const start = async (): Promise<TnetError[]> => {
    const errors = await applyDns(early);
    return errors.length ? errors : startDns();
  };
  return {
    start: { name: 'dns start', actions: [...early, ...serve], run: start },
    reload: { name: 'dns', actions: later.filter((a) => a.op !== 'dns-serve'), run: () => applyDns(later), needed: later.length > 0, hostUnchanged: true, settles: 'dns' },
  };
}

/** Last of the host batch's stage, once the others' processes are started: the insides' workers, idle until the insides. */
function workersStep(p: Phases, links: readonly LinkBackend[], ahead: Ahead): Step {
  const ready = links[0]?.ready;
  return {
    name: 'workers started',
    actions: [],
    run: async () => ((ahead.ready = ready?.() ?? null), []),
    needed: p.inside.size > 0 && ready !== undefined,
  };
}

/**
 * Whether configuring the insides leaves the host side as it is: not when a seal (an alias on a host veth) is
 * set, nor when a link is deleted inside, since a veth's host end goes with it.
 */
function insidesOnly(p: Phases): boolean {
  return p.seal.length === 0 && [...p.inside.values()].every((actions) => actions.every((a) => a.op !== 'link-del'));
}

/** `ready`: the first backend's processes started ahead, if it did. */
async function insideNamespaces(jobs: Phases['inside'], seals: SealAction[], links: readonly LinkBackend[], ready: ReadyLinks | null): Promise<TnetError[]> {
  if (jobs.size === 0 && seals.length === 0) return [];
  for (const [i, backend] of links.entries()) {
    const r = await (i === 0 && ready ? ready.configure : backend.configure)(jobs, seals);
    if (r !== 'unavailable') return r;
  }
  return [tnetError('kernel', `no link backend could configure the namespaces (tried: ${links.map((b) => b.name).join(', ') || 'none'})`)];
}

async function applyFirewall(actions: Phases['firewall'], fw: FirewallApplier | null): Promise<TnetError[]> {
  return fw && actions.length ? fw.apply(actions) : [];
}
