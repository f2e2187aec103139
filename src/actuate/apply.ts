// Executes a plan in phases: namespaces, host links, inside namespaces, files, firewall; batched per phase.

import type { Action, FwTableUpdate, SealAction } from '../model/action.js';
import type { LinkBackend } from '../model/backends.js';
import type { FwTableName } from '../model/firewall.js';
import { tnetError, type TnetError } from '../model/errors.js';
import { applyFiles } from './files.js';
import { fdbBatch, fdbLines } from './bridge-batch.js';
import { awaitGone, hostBatch } from './ip-batch.js';
import { ipLines } from './link-ops.js';
import { applyNamespaces } from './namespaces.js';
import { dropIntents, recordIntents } from './intents.js';
import { trace } from '../util/trace.js';

export interface FirewallApplier {
  /** Every table's update in one go: one process, each table atomic. */
  apply(updates: { table: FwTableName; update: FwTableUpdate }[]): Promise<TnetError[]>;
}

export interface Phases {
  /** Host links and namespaces removed, then namespaces added: deletions first, so names are free again. */
  teardown: string[];
  netnsAdd: string[];
  attach: Extract<Action, { op: 'netns-attach' }>[];
  /** Marks of the namespaces this plan creates or marks, recorded before creating them: see intents.ts. */
  intents: Map<string, string>;
  host: string[];
  inside: Map<string, Action[]>;
  reap: string[];
  seal: SealAction[];
  files: Extract<Action, { op: 'file-write' | 'dir-remove' | 'sysctl' }>[];
  firewall: Extract<Action, { op: 'fw-update' }>[];
  /** `bridge -batch` lines: VXLAN forwarding entries, once the host batch has made their devices. */
  fdb: string[];
}

/** Groups a plan into the batches that run it; plan order is kept within each batch. */
export function toPhases(plan: Action[]): Phases {
  const p: Phases = { teardown: [], netnsAdd: [], attach: [], intents: new Map(), host: [], inside: new Map(), reap: [], seal: [], files: [], firewall: [], fdb: [] };
  const netnsDel: string[] = [];
  for (const a of plan) {
    switch (a.op) {
      case 'netns-del':
        netnsDel.push(...ipLines(a));
        break;
      case 'netns-add':
        p.netnsAdd.push(...ipLines(a));
        break;
      case 'netns-attach':
        p.attach.push(a);
        break;
      case 'file-write':
      case 'dir-remove':
      case 'sysctl':
        p.files.push(a);
        break;
      case 'fw-update':
        p.firewall.push(a);
        break;
      case 'fdb-add':
      case 'fdb-del':
        p.fdb.push(...fdbLines(a));
        break;
      case 'link-reap':
        p.reap.push(a.dev);
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
        p.host.push(...ipLines(a));
        break;
      case 'link-del':
        // Host ends go before their namespaces: a deleted namespace takes its veths with it, but later.
        if (a.ns === null) p.teardown.push(...ipLines(a));
        else addInside(p, a.ns, a);
        break;
      default:
        if (a.ns === null) p.host.push(...ipLines(a));
        else addInside(p, a.ns, a);
    }
  }
  p.teardown.push(...netnsDel);
  return p;
}

function addInside(p: Phases, ns: string, a: Action): void {
  const list = p.inside.get(ns);
  if (list) list.push(a);
  else p.inside.set(ns, [a]);
}

/**
 * Runs the phases in order and stops at the first that fails: later phases depend on earlier ones. `links`
 * configure the namespaces' insides, in order of preference: the first that is not unavailable serves.
 */
export async function applyPlan(plan: Action[], firewall: FirewallApplier | null, links: readonly LinkBackend[]): Promise<TnetError[]> {
  const p = toPhases(plan);
  const steps: (() => Promise<TnetError[]>)[] = [
    // A namespace is marked from inside, in a later phase: if tnet dies in between, the mark recorded here
    // beforehand tells the next run the namespace is its own, and it is not refused as a stranger's.
    () => recordIntents(p.intents),
    // One `ip -batch` for the host when nothing needs doing between its parts (bind mounts, a wait).
    ...(p.attach.length === 0 && p.reap.length === 0
      ? [() => hostBatch([...p.teardown, ...p.netnsAdd, ...p.host])]
      : [
          () => applyNamespaces([...p.teardown, ...p.netnsAdd], p.attach),
          // The kernel frees deleted namespaces (and their veths) asynchronously: wait, so names are free again.
          () => awaitGone(p.reap),
          () => hostBatch(p.host),
        ]),
    () => fdbBatch(p.fdb),
    // After the host batch: per-bridge switches (route_localnet) need their bridge to exist.
    () => applyFiles(p.files.filter((a) => a.op === 'sysctl')),
    // Seals last: each one only once its namespace's side went through, since it vouches for it.
    () => insideNamespaces(p.inside, p.seal, links),
    () => applyFiles(p.files.filter((a) => a.op !== 'sysctl')),
    () => applyFirewall(p.firewall, firewall),
    () => dropIntents(p.intents),
  ];
  for (const [i, step] of steps.entries()) {
    const t = performance.now();
    const errors = await step();
    trace(`phase ${i}`, t);
    if (errors.length) return errors;
  }
  return [];
}

async function insideNamespaces(jobs: Phases['inside'], seals: SealAction[], links: readonly LinkBackend[]): Promise<TnetError[]> {
  if (jobs.size === 0 && seals.length === 0) return [];
  for (const backend of links) {
    const r = await backend.configure(jobs, seals);
    if (r !== 'unavailable') return r;
  }
  return [tnetError('kernel', `no link backend could configure the namespaces (tried: ${links.map((b) => b.name).join(', ') || 'none'})`)];
}

async function applyFirewall(actions: Phases['firewall'], fw: FirewallApplier | null): Promise<TnetError[]> {
  return fw && actions.length ? fw.apply(actions) : [];
}
