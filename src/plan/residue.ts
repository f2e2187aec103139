// What an apply left changed: the objects its actions touched, compared between two observations.

import type { Action, Ns } from '../model/action.js';
import type { FirewallObserved, FwFamily, FwTableName, FwTableObserved } from '../model/firewall.js';
import type { ObservedLink, ObservedState } from '../model/observed.js';
import { isTnetChain, ownerOf, SHARED_OWNER } from '../ownership/rule-owner.js';
import { observedRoute, switchValue } from './undo.js';

/**
 * One line per object that differs, in the order the actions first touched them: after a rollback, what
 * could not be set back; after an apply kept with --no-rollback, what it changed. Namespaces are compared
 * inside only where both observations entered them.
 */
export function residue(actions: readonly Action[], before: ObservedState, after: ObservedState): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of actions) {
    for (const [key, describe] of objectsOf(a)) {
      if (seen.has(key)) continue;
      seen.add(key);
      const diff = describe(before, after);
      if (diff) out.push(diff);
    }
  }
  return out;
}

type Compare = (before: ObservedState, after: ObservedState) => string | null;

function objectsOf(a: Action): [string, Compare][] {
  switch (a.op) {
    case 'netns-add':
    case 'netns-attach':
    case 'netns-del':
    case 'netns-mark':
      return [netns(a.name)];
    case 'bridge-add':
    case 'vxlan-add':
      return [link(null, a.name)];
    case 'veth-add':
      return [link(null, a.hostIf)];
    case 'uplink-attach':
    case 'uplink-detach':
      return [link(null, a.bridge), link(null, a.uplink), route(null, 'default')];
    case 'fdb-add':
    case 'fdb-del':
      return [fdb(a.dev, a.dst)];
    case 'link-set':
    case 'link-del':
    case 'addr-add':
    case 'addr-del':
      return [link(a.ns, a.dev)];
    case 'link-reap':
    case 'link-seal':
      return [link(null, a.dev)];
    case 'route-replace':
    case 'route-del':
      return [route(a.ns, a.dst)];
    case 'sysctl':
      return [sysctl(a.key)];
    case 'file-write':
      return [file(a.path)];
    case 'dir-remove':
      return [folder(a.path)];
    case 'fw-update':
      return [rules(a.table, a.family ?? 4)];
    case 'dns-records':
      return [dnsRecords(a.spec)];
    case 'dns-serve':
    case 'dns-stop':
      return [dnsServer()];
  }
}

function dnsRecords(spec: string): [string, Compare] {
  return [`dns records ${spec}`, (b, a) => {
    if (b.dns.records === a.dns.records) return null;
    return `DNS records of ${spec}: ${a.dns.records === null ? 'removed' : b.dns.records === null ? 'written' : 'changed'}`;
  }];
}

function dnsServer(): [string, Compare] {
  return ['dns server', (b, a) => (b.dns.running === a.dns.running ? null : `tnet's DNS server: ${a.dns.running ? 'started' : 'stopped'}`)];
}

const where = (ns: Ns, name: string) => (ns === null ? name : `${ns}:${name}`);

function netns(name: string): [string, Compare] {
  return [`netns ${name}`, (b, a) => presence(`namespace ${name}`, b.netns[name] !== undefined, a.netns[name] !== undefined)];
}

function presence(what: string, before: boolean, after: boolean): string | null {
  if (before === after) return null;
  return `${what}: ${after ? 'created' : 'removed'}`;
}

/** The link in its namespace; undefined when absent, null when that namespace was not read both times. */
function linkIn(o: ObservedState, ns: Ns, dev: string): ObservedLink | undefined | null {
  if (ns === null) return o.links.find((l) => l.name === dev);
  const n = o.netns[ns];
  return n?.read ? n.links.find((l) => l.name === dev) : null;
}

const LINK_FIELDS = ['kind', 'up', 'mtu', 'mac', 'alias', 'master', 'hairpin'] as const;

function link(ns: Ns, dev: string): [string, Compare] {
  return [
    `link ${where(ns, dev)}`,
    (b, a) => {
      const [x, y] = [linkIn(b, ns, dev), linkIn(a, ns, dev)];
      if (x === null || y === null) return null;
      const what = `interface ${where(ns, dev)}`;
      if (!x || !y) return presence(what, Boolean(x), Boolean(y));
      const changes = LINK_FIELDS.filter((f) => x[f] !== y[f]).map((f) => `${f} ${String(x[f])} → ${String(y[f])}`);
      const all = (l: ObservedLink) => [...l.addrs, ...(l.addrs6 ?? [])].sort().join(' ');
      const [xa, ya] = [all(x), all(y)];
      if (xa !== ya) changes.push(`addresses ${xa || 'none'} → ${ya || 'none'}`);
      return changes.length ? `${what}: ${changes.join(', ')}` : null;
    },
  ];
}

function route(ns: Ns, dst: string): [string, Compare] {
  return [
    `route ${where(ns, dst)}`,
    (b, a) => {
      const pick = (o: ObservedState) => {
        const r = observedRoute(o, ns, dst);
        if (r === null) return null;
        return r ? `${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev}` : 'none';
      };
      const [x, y] = [pick(b), pick(a)];
      return x === null || y === null || x === y ? null : `route ${dst}${ns ? ` in ${ns}` : ''}: ${x} → ${y}`;
    },
  ];
}

function fdb(dev: string, dst: string): [string, Compare] {
  const has = (o: ObservedState) => o.fdb.some((e) => e.dev === dev && e.dst === dst);
  return [`fdb ${dev} ${dst}`, (b, a) => presence(`forwarding entry ${dev} → ${dst}`, has(b), has(a))];
}

function sysctl(key: string): [string, Compare] {
  const value = (o: ObservedState) => switchValue(o, key);
  // A switch that did not exist before (its bridge not made yet, br_netfilter not loaded) is not tnet's to undo.
  return [`sysctl ${key}`, (b, a) => (value(b) === undefined || value(b) === value(a) ? null : `sysctl ${key}: ${value(b)} → ${value(a) ?? 'unset'}`)];
}

function file(path: string): [string, Compare] {
  return [`file ${path}`, (b, a) => (b.files[path] === a.files[path] ? null : `file ${path}: ${b.files[path] === undefined ? 'created' : a.files[path] === undefined ? 'removed' : 'changed'}`)];
}

function folder(path: string): [string, Compare] {
  return [`dir ${path}`, (b, a) => presence(`folder ${path}`, b.fileDirs.includes(path), a.fileDirs.includes(path))];
}

/** tnet's chains whole, and tnet's own rules in the built-in chains: nothing else of a table is tnet's. */
function tnetRules(tables: FwTableObserved[] | null | undefined, table: FwTableName): string {
  const t = tables?.find((x) => x.table === table);
  if (!t) return '';
  return Object.entries(t.chains)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .flatMap(([name, c]) => {
      const rules = isTnetChain(name) ? c.rules : c.rules.filter((r) => (ownerOf(r) ?? '').startsWith(SHARED_OWNER));
      return isTnetChain(name) || rules.length ? [`${name}\n${rules.join('\n')}`] : [];
    })
    .join('\n');
}

/** The family's tables as observed; undefined when they were not read (IPv6's are read only when needed). */
function tablesOf(fw: FirewallObserved | null, family: FwFamily): FwTableObserved[] | null | undefined {
  if (!fw) return null;
  return family === 6 ? fw.tables6 ?? undefined : fw.tables;
}

function rules(table: FwTableName, family: FwFamily): [string, Compare] {
  const tool = family === 6 ? 'ip6tables' : 'iptables';
  return [`rules${family === 6 ? '6' : ''} ${table}`, (b, a) => {
    const [x, y] = [tablesOf(b.firewall, family), tablesOf(a.firewall, family)];
    if (x === undefined || y === undefined) return null;
    return tnetRules(x, table) === tnetRules(y, table) ? null : `${tool} ${table}: tnet's chains differ from before`;
  }];
}

/** The namespaces whose insides the actions change: the ones to enter again to see what they did. */
export function touchedNamespaces(actions: readonly Action[]): string[] {
  return actions.flatMap((a) => {
    if ('ns' in a && typeof a.ns === 'string') return [a.ns];
    return a.op === 'netns-add' || a.op === 'netns-attach' || a.op === 'netns-del' || a.op === 'netns-mark' ? [a.name] : [];
  });
}
