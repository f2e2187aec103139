// The undo of a plan: for each action, the actions that set the host back as the observation before it saw it.

import type { Action, FwTableUpdate, LinkSettings, Ns } from '../model/action.js';
import type { FwRule, FwTableObserved } from '../model/firewall.js';
import type { ObservedLink, ObservedRoute, ObservedState } from '../model/observed.js';
import { isTnetChain } from '../ownership/rule-owner.js';
import { DEFAULT6, IPV6_FORWARD } from '../model/desired.js';

/** What undoes a list of actions, newest first, and the actions nothing can undo (a deleted namespace). */
export interface Undo {
  actions: Action[];
  irreversible: Action[];
}

/**
 * `done`: the actions an apply attempted, in the order it attempted them; `before`: what the plan was made
 * from. Each inverse only sets back what the observation saw, so undoing an action that never ran is harmless
 * (it deletes what did not exist before, or sets a value to what it already is); the undo runs tolerant of
 * such failures, and what is left is found by observing again (residue.ts).
 */
export function undoPlan(done: readonly Action[], before: ObservedState): Undo {
  const out: Undo = { actions: [], irreversible: [] };
  for (const a of [...done].reverse()) {
    const inverse = undoOne(a, before);
    if (inverse === null) out.irreversible.push(a);
    else out.actions.push(...inverse);
  }
  return out;
}

/** null: nothing can bring back what the action removed. */
function undoOne(a: Action, before: ObservedState): Action[] | null {
  switch (a.op) {
    case 'netns-add':
    case 'netns-attach':
      return before.netns[a.name] ? [] : [{ op: 'netns-del', name: a.name }];
    case 'netns-mark': {
      const seen = before.netns[a.name];
      return seen?.read ? [{ op: 'netns-mark', name: a.name, mark: seen.mark ?? '""' }] : [];
    }
    case 'bridge-add':
      return hostLink(before, a.name) ? [] : [{ op: 'link-del', ns: null, dev: a.name }];
    case 'veth-add':
      return hostLink(before, a.hostIf) ? [] : [{ op: 'link-del', ns: null, dev: a.hostIf }];
    case 'vxlan-add':
      return hostLink(before, a.name) ? [] : [{ op: 'link-del', ns: null, dev: a.name }];
    case 'uplink-attach':
      return [{ op: 'uplink-detach', ns: null, bridge: a.bridge, uplink: a.uplink, drop: a.addrs, addrs: a.take, via: a.via, deleteBridge: false }];
    case 'uplink-detach': {
      if (a.deleteBridge) return null;
      const record = hostLink(before, a.uplink)?.alias ?? '""';
      return [{ op: 'uplink-attach', ns: null, bridge: a.bridge, uplink: a.uplink, take: a.addrs, addrs: a.addrs, via: a.via, record }];
    }
    case 'fdb-add':
      return [{ op: 'fdb-del', dev: a.dev, dst: a.dst }];
    case 'fdb-del':
      return [{ op: 'fdb-add', dev: a.dev, dst: a.dst }];
    case 'link-set':
      return linkSetBack(a.ns, a.dev, a.set, before);
    case 'link-seal': {
      const seen = hostLink(before, a.dev);
      return seen ? [{ op: 'link-set', ns: null, dev: a.dev, set: { alias: seen.alias ?? '""' } }] : [];
    }
    case 'link-del':
    case 'link-reap':
    case 'netns-del':
      return null;
    case 'addr-add':
      return [{ op: 'addr-del', ns: a.ns, dev: a.dev, cidr: a.cidr }];
    case 'addr-del':
      return [{ op: 'addr-add', ns: a.ns, dev: a.dev, cidr: a.cidr }];
    case 'route-replace':
    case 'route-del':
      return routeBack(a.ns, a.dst, a.dev, before);
    case 'sysctl':
      return sysctlBack(a.key, a.ns, before);
    case 'file-write':
      return fileBack(a.path, before);
    case 'dir-remove':
      return Object.entries(before.files).flatMap(([path, content]): Action[] =>
        path.startsWith(`${a.path}/`) ? [{ op: 'file-write', path, content }] : [],
      );
    case 'fw-update': {
      const tables = a.family === 6 ? before.firewall?.tables6 : before.firewall?.tables;
      const table = tables?.find((t) => t.table === a.table) ?? { table: a.table, chains: {} };
      return [{ ...a, update: inverseUpdate(a.update, table) }];
    }
    // The records as they were, and reloaded only if the server was running: undone before the server's
    // own action, so a reload of the old records comes after the file is back.
    case 'dns-records':
      return [{ ...a, content: before.dns.records }, ...(before.dns.running ? [{ op: 'dns-serve' } as const] : [])];
    case 'dns-serve':
      return before.dns.running ? [] : [{ op: 'dns-stop' }];
    case 'dns-stop':
      return before.dns.running ? [{ op: 'dns-serve' }] : [];
  }
}

function hostLink(before: ObservedState, name: string): ObservedLink | undefined {
  return before.links.find((l) => l.name === name);
}

function linkIn(before: ObservedState, ns: Ns, dev: string): ObservedLink | undefined {
  return ns === null ? hostLink(before, dev) : before.netns[ns]?.links.find((l) => l.name === dev);
}

/** Each setting back to what was seen; a link that was not there was made by the plan, and goes with it. */
function linkSetBack(ns: Ns, dev: string, set: LinkSettings, before: ObservedState): Action[] {
  const seen = linkIn(before, ns, dev);
  if (!seen) return [];
  const back: LinkSettings = {};
  if (set.master !== undefined) back.master = seen.master;
  if (set.mtu !== undefined) back.mtu = seen.mtu;
  if (set.mac !== undefined) back.mac = seen.mac;
  if (set.alias !== undefined) back.alias = seen.alias ?? '""';
  if (set.up !== undefined) back.up = seen.up;
  if (set.hairpin !== undefined && seen.hairpin !== null) back.hairpin = seen.hairpin;
  return Object.keys(back).length ? [{ op: 'link-set', ns, dev, set: back }] : [];
}

/**
 * The route an action's `dst` names, as observed (the family told by the address; `ip` prints IPv6's default
 * as IPv4's, `default`): undefined when there was none, null when the namespace was not read.
 */
export function observedRoute(o: ObservedState, ns: Ns, dst: string): ObservedRoute | undefined | null {
  const v6 = dst.includes(':');
  const inside = ns === null ? null : o.netns[ns];
  if (ns !== null && !inside?.read) return null;
  const routes = inside ? (v6 ? inside.routes6 ?? [] : inside.routes) : v6 ? o.routes6 ?? [] : o.routes;
  return routes.find((r) => r.dst === (dst === DEFAULT6 ? 'default' : dst));
}

function routeBack(ns: Ns, dst: string, dev: string | null, before: ObservedState): Action[] {
  const seen = observedRoute(before, ns, dst);
  // A namespace not read before (created by the plan) goes with its routes.
  if (seen === null) return [];
  if (seen?.dev) return [{ op: 'route-replace', ns, dst, via: seen.gateway, dev: seen.dev }];
  return [{ op: 'route-del', ns, dst, dev }];
}

/** A switch's value as observed: ip_forward is read with the host, the others with the firewall. */
export function switchValue(o: ObservedState, key: string): string | undefined {
  if (key === IPV6_FORWARD) return o.ipForward6 ? '1' : '0';
  return key === 'net.ipv4.ip_forward' ? (o.ipForward ? '1' : '0') : o.firewall?.sysctls[key];
}

function sysctlBack(key: string, ns: Ns, before: ObservedState): Action[] {
  const value = switchValue(before, key);
  return value === undefined ? [] : [{ op: 'sysctl', ns, key, value }];
}

/** A file seen before gets its content back; a folder the plan made goes whole. */
function fileBack(path: string, before: ObservedState): Action[] {
  const old = before.files[path];
  if (old !== undefined) return [{ op: 'file-write', path, content: old }];
  const dir = path.slice(0, path.lastIndexOf('/'));
  return before.fileDirs.includes(dir) ? [] : [{ op: 'dir-remove', path: dir }];
}

/**
 * The update that gives every chain the update touched its rules as read before: tnet's chains refilled
 * (or deleted, when the update made them), tnet's jumps in built-in chains taken out or put back where they
 * were. Built-in chains are never flushed: only tnet's own rules move in them.
 */
export function inverseUpdate(u: FwTableUpdate, before: FwTableObserved): FwTableUpdate {
  const out: FwTableUpdate = { createChains: [], replaceChains: {}, deleteChains: [], deleteRules: [], insertRules: [] };
  const touched = new Set([
    ...u.createChains,
    ...Object.keys(u.replaceChains),
    ...u.deleteChains,
    ...u.deleteRules.map((r) => r.chain),
    ...u.insertRules.map((r) => r.chain),
  ]);
  for (const chain of touched) {
    if (isTnetChain(chain)) ownedBack(chain, before, out);
    else builtinBack(chain, u, before.chains[chain]?.rules ?? [], out);
  }
  return out;
}

function ownedBack(chain: string, before: FwTableObserved, out: FwTableUpdate): void {
  const rules = before.chains[chain]?.rules;
  if (rules === undefined) {
    out.deleteChains.push(chain);
    return;
  }
  out.createChains.push(chain);
  out.replaceChains[chain] = [...rules];
}

/** Rules inserted come out; rules deleted go back at their old places, lowest first so each lands right. */
function builtinBack(chain: string, u: FwTableUpdate, rules: FwRule[], out: FwTableUpdate): void {
  for (const r of u.insertRules) if (r.chain === chain) out.deleteRules.push({ chain, rule: r.rule });
  const removed = u.deleteRules.filter((r) => r.chain === chain).map((r) => r.rule);
  const places = removed.map((rule) => ({ rule, at: rules.indexOf(rule) })).filter((p) => p.at >= 0).sort((a, b) => a.at - b.at);
  for (const p of places) out.insertRules.push({ chain, rule: p.rule, position: p.at + 1 });
}
