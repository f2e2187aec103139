// Every plan action described once: its sign and text in a plan, its `ip -batch` lines, its netlink worker op.
//
// The worker's vocabulary (`mark`, `link`, `addr-add`, …, `host-alias`) is produced here and nowhere else;
// libexec/tnet-netlink.pl reads it, and its header lists the same ops: change both together.

import type { Action, ActionOp, FwTableUpdate, LinkSettings, Ns } from '../model/action.js';
import { REAP_GROUP } from '../ownership/marks.js';

/** + creates, ~ changes, - destroys: a plan line's first column, and what its summary counts. */
export type Sign = '+' | '~' | '-';

export interface OpDescription<A extends Action> {
  sign: Sign | ((a: A) => Sign);
  /** The plan's text for it, after the sign. */
  text: (a: A) => string;
  /** Its `ip -batch` lines; null where `ip` has no part in it (files, firewall, fdb, bind mounts). */
  ip: ((a: A) => string[]) | null;
  /**
   * Its op for libexec/tnet-netlink.pl; null where the worker does not speak it. The function returns null
   * for a form the worker lacks (a link-set with a master, say): `ip` then configures that namespace.
   */
  worker: ((a: A) => string | null) | null;
}

type ActionOf = { [K in ActionOp]: Extract<Action, { op: K }> };
type OpTable = { [K in ActionOp]: OpDescription<ActionOf[K]> };

const where = (ns: Ns, dev: string) => (ns === null ? dev : `${ns}:${dev}`);

const OPS: OpTable = {
  'netns-add': {
    sign: '+',
    text: (a) => `netns ${a.name}`,
    ip: (a) => [`netns add ${a.name}`],
    worker: null,
  },
  'netns-attach': {
    sign: '+',
    text: (a) => `netns ${a.name} -> ${a.source}`,
    ip: null,
    worker: null,
  },
  'netns-del': {
    sign: '-',
    text: (a) => `netns ${a.name}`,
    ip: (a) => [`netns del ${a.name}`],
    worker: null,
  },
  // Run inside the namespace: `lo` there is the one link named the same in every namespace.
  'netns-mark': {
    sign: '~',
    text: (a) => `netns ${a.name}: lo up, alias ${a.mark}`,
    ip: (a) => [`link set dev lo up alias ${a.mark}`],
    worker: (a) => `mark ${a.mark}`,
  },
  // `link add` ignores `alias`: the mark needs its own `link set`. No forward delay: with STP off (the kernel's
  // default, and Docker's) a port forwards at once anyway, but the kernel still arms the port's forward-delay
  // timer and, when it fires 15 s later, restates the port to every `ip monitor`: after an apply of 10,000
  // containers a minute of bursts that watch mode read back, between the edits (libvirt's bridges do the same).
  'bridge-add': {
    sign: '+',
    text: (a) => `bridge ${a.name} (mac ${a.mac}, mtu ${a.mtu})`,
    ip: (a) => [`link add name ${a.name}${a.mac ? ` address ${a.mac}` : ''} mtu ${a.mtu} type bridge forward_delay 0`, `link set dev ${a.name} alias ${a.mark}`],
    worker: null,
  },
  'veth-add': {
    sign: '+',
    text: (a) => `veth ${a.hostIf} <-> ${a.netns}:${a.peer} (mtu ${a.mtu})`,
    ip: (a) => [vethAddLine(a), `link set dev ${a.hostIf} alias ${a.mark}`],
    worker: null,
  },
  'vxlan-add': {
    sign: '+',
    text: (a) => `vxlan ${a.name} (vni ${a.vni}, local ${a.local}, port ${a.port}, mtu ${a.mtu})`,
    ip: (a) => [
      `link add name ${a.name} mtu ${a.mtu} type vxlan id ${a.vni} local ${a.local} dstport ${a.port} nolearning`,
      `link set dev ${a.name} alias ${a.mark}`,
    ],
    worker: null,
  },
  'uplink-attach': {
    sign: '~',
    text: (a) => `uplink ${a.uplink} -> bridge ${a.bridge} (moves ${moved(a.addrs, a.via)})`,
    ip: (a) => [
      // The record first: should the batch stop halfway, the next run still knows what to give back.
      `link set dev ${a.uplink} alias ${a.record}`,
      ...a.take.map((c) => `addr del ${c} dev ${a.uplink}`),
      `link set dev ${a.uplink} master ${a.bridge} up`,
      ...a.addrs.map((c) => `addr replace ${c} brd + dev ${a.bridge}`),
      ...(a.via ? [`route replace default via ${a.via} dev ${a.bridge}`] : []),
    ],
    worker: null,
  },
  'uplink-detach': {
    sign: (a) => (a.deleteBridge ? '-' : '~'),
    text: (a) =>
      `${a.deleteBridge ? `bridge ${a.bridge}, giving back` : `uplink ${a.uplink} released from bridge ${a.bridge}, back`} ${moved(a.addrs, a.via)}${a.deleteBridge ? ` to ${a.uplink}` : ''}`,
    ip: (a) => [
      // Deleting the bridge releases its ports, and takes its addresses and routes with it.
      ...(a.deleteBridge ? [`link del dev ${a.bridge}`] : [`link set dev ${a.uplink} nomaster`, ...a.drop.map((c) => `addr del ${c} dev ${a.bridge}`)]),
      ...a.addrs.map((c) => `addr replace ${c} brd + dev ${a.uplink}`),
      ...(a.via ? [`route replace default via ${a.via} dev ${a.uplink}`] : []),
      `link set dev ${a.uplink} alias ""`,
    ],
    worker: null,
  },
  // `bridge -batch` lines, not `ip`'s: see bridge-batch.ts.
  'fdb-add': {
    sign: '+',
    text: (a) => `fdb ${a.dev}: flood to ${a.dst}`,
    ip: null,
    worker: null,
  },
  'fdb-del': {
    sign: '-',
    text: (a) => `fdb ${a.dev}: flood to ${a.dst}`,
    ip: null,
    worker: null,
  },
  'link-set': {
    sign: '~',
    text: (a) => `link ${where(a.ns, a.dev)}: ${settingsText(a.set)}`,
    ip: (a) => linkSetLines(a.dev, a.set),
    worker: (a) => linkSetWorkerOp(a.dev, a.set),
  },
  'link-del': {
    sign: '-',
    text: (a) => `link ${where(a.ns, a.dev)}`,
    ip: (a) => [`link del dev ${a.dev}`],
    worker: (a) => `link-del ${a.dev}`,
  },
  // Put in the reaping group: batchLines deletes the group after the last of them.
  'link-reap': {
    sign: '-',
    text: (a) => `veth ${a.dev} (with namespace ${a.netns})`,
    ip: (a) => [`link set dev ${a.dev} group ${REAP_GROUP}`],
    worker: null,
  },
  // Set on the host end, in the host namespace: the worker does it once its namespace's ops went through.
  'link-seal': {
    sign: '~',
    text: (a) => `link ${a.dev}: seal ${a.alias.slice(a.alias.indexOf('@') + 1)}`,
    ip: (a) => [`link set dev ${a.dev} alias ${a.alias}`],
    worker: (a) => `host-alias ${a.dev} ${a.alias}`,
  },
  'addr-add': {
    sign: '+',
    text: (a) => `address ${a.cidr} on ${where(a.ns, a.dev)}`,
    // IPv6 has no broadcast, and goes without duplicate address detection: tnet allocated the address, DAD
    // would hold it unusable for a second.
    ip: (a) => [a.cidr.includes(':') ? `addr add ${a.cidr} dev ${a.dev} nodad` : `addr add ${a.cidr} brd + dev ${a.dev}`],
    worker: (a) => `addr-add ${a.dev} ${a.cidr}`,
  },
  'addr-del': {
    sign: '-',
    text: (a) => `address ${a.cidr} on ${where(a.ns, a.dev)}`,
    ip: (a) => [`addr del ${a.cidr} dev ${a.dev}`],
    worker: (a) => `addr-del ${a.dev} ${a.cidr}`,
  },
  'route-replace': {
    sign: '~',
    text: (a) => `route ${a.dst}${a.via ? ` via ${a.via}` : ''} on ${where(a.ns, a.dev)}`,
    ip: (a) => [`route replace ${a.dst}${a.via ? ` via ${a.via}` : ''} dev ${a.dev}`],
    worker: (a) => `route-replace ${a.dst} ${a.via ?? '-'} ${a.dev}`,
  },
  'route-del': {
    sign: '-',
    text: (a) => `route ${a.dst}${a.dev ? ` on ${where(a.ns, a.dev)}` : ''}`,
    ip: (a) => [`route del ${a.dst}${a.dev ? ` dev ${a.dev}` : ''}`],
    worker: (a) => `route-del ${a.dst} ${a.dev ?? '-'}`,
  },
  sysctl: {
    sign: '~',
    text: (a) => `sysctl ${a.key} = ${a.value}`,
    ip: null,
    worker: null,
  },
  'file-write': {
    sign: '~',
    text: (a) => `file ${a.path}`,
    ip: null,
    worker: null,
  },
  'dir-remove': {
    sign: '-',
    text: (a) => `folder ${a.path}`,
    ip: null,
    worker: null,
  },
  'fw-update': {
    sign: '~',
    text: (a) => `iptables ${a.table}: ${firewallSummary(a.update)}`,
    ip: null,
    worker: null,
  },
  'dns-records': {
    sign: (a) => (a.content === null ? '-' : '~'),
    text: (a) => `DNS records of ${a.spec}`,
    ip: null,
    worker: null,
  },
  'dns-serve': {
    sign: '~',
    text: () => 'DNS server: started if down, records reloaded',
    ip: null,
    worker: null,
  },
  'dns-stop': {
    sign: '-',
    text: () => 'DNS server: stopped (no spec on the host has records)',
    ip: null,
    worker: null,
  },
};

// `op` and `a` travel separately so TypeScript ties the entry to its action (`a.op` alone widens to every op).
function entry<K extends ActionOp>(op: K): OpDescription<ActionOf[K]> {
  return OPS[op];
}

function signFor<K extends ActionOp>(op: K, a: ActionOf[K]): Sign {
  const s = entry(op).sign;
  return typeof s === 'function' ? s(a) : s;
}

function textFor<K extends ActionOp>(op: K, a: ActionOf[K]): string {
  return entry(op).text(a);
}

function ipFor<K extends ActionOp>(op: K, a: ActionOf[K]): string[] {
  return entry(op).ip?.(a) ?? [];
}

function workerFor<K extends ActionOp>(op: K, a: ActionOf[K]): string | null {
  return entry(op).worker?.(a) ?? null;
}

export const sign = (a: Action): Sign => signFor(a.op, a);

export const describe = (a: Action): string => textFor(a.op, a);

/** The batch lines for one action; empty for actions that are not `ip`'s. */
export const ipLines = (a: Action): string[] => ipFor(a.op, a);

/**
 * The `ip -batch` lines of actions run as one batch: each action's, and right after the last veth put in the
 * reaping group, the group deleted, in one kernel batch, before the namespaces after it go (which would take
 * those veths with them only later, or never while a process holds one).
 */
export function batchLines(actions: readonly Action[]): string[] {
  const out: string[] = [];
  let reapEnd = -1;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i];
    const next = actions[i + 1];
    if (a.op === 'veth-add' && settingUp(a, next)) {
      out.push(...madeAndSet(a, next));
      i++;
      continue;
    }
    out.push(...ipLines(a));
    if (a.op === 'link-reap') reapEnd = out.length;
  }
  if (reapEnd >= 0) out.splice(reapEnd, 0, `link del group ${REAP_GROUP}`);
  return out;
}

type VethAdd = Extract<Action, { op: 'veth-add' }>;
type LinkSet = Extract<Action, { op: 'link-set' }>;

const vethAddLine = (a: VethAdd, master?: string): string =>
  `link add name ${a.hostIf} mtu ${a.mtu}${master ? ` master ${master}` : ''} type veth peer name ${a.peer} mtu ${a.mtu} netns ${a.netns}`;

/** Whether `next` sets up the veth `add` makes (its master, up, hairpin) and sets no alias itself. */
function settingUp(add: VethAdd, next: Action | undefined): next is LinkSet {
  return next?.op === 'link-set' && next.ns === null && next.dev === add.hostIf && next.set.alias === undefined;
}

/**
 * A new veth and the link-set after it in two lines, where each alone takes two: the veth is made in its
 * bridge (`link add … master`), and its mark, settings and port options (hairpin, which the kernel takes
 * only from a port) go in one message. The floor's batch of 1,000 with a `link set … alias` line of its own
 * per veth took ~60 ms more (1,010 → 950 ms, medians of four in fresh sandboxes); a hairpin line, as much.
 */
function madeAndSet(add: VethAdd, set: LinkSet): string[] {
  const { master, ...rest } = set.set;
  if (typeof master !== 'string') return [vethAddLine(add), ...linkSetLines(set.dev, { ...set.set, alias: add.mark })];
  const { link, port } = linkSetWords({ ...rest, alias: add.mark });
  return [vethAddLine(add, master), `link set dev ${set.dev} ${[...link, ...port].join(' ')}`];
}

/** One action as the worker's op, or null for one it does not speak (the caller then uses `ip`). */
export const workerOp = (a: Action): string | null => workerFor(a.op, a);

function moved(addrs: string[], via: string | null): string {
  const parts = [...addrs, ...(via ? [`default via ${via}`] : [])];
  return parts.length ? parts.join(', ') : 'no address';
}

function firewallSummary(u: FwTableUpdate): string {
  const parts: string[] = [];
  if (u.createChains.length) parts.push(`create ${u.createChains.join(', ')}`);
  const replaced = Object.keys(u.replaceChains).filter((c) => !u.createChains.includes(c));
  if (replaced.length) parts.push(`rewrite ${replaced.join(', ')}`);
  if (u.insertRules.length) parts.push(`insert ${u.insertRules.length} rule(s) into ${[...new Set(u.insertRules.map((r) => r.chain))].join(', ')}`);
  if (u.deleteRules.length) parts.push(`delete ${u.deleteRules.length} rule(s) from ${[...new Set(u.deleteRules.map((r) => r.chain))].join(', ')}`);
  if (u.deleteChains.length) parts.push(`delete ${u.deleteChains.join(', ')}`);
  return parts.join('; ');
}

// --- link settings: one entry per field, from which `ip link set`, the worker's `link` op and the plan text come

type Field = keyof LinkSettings;
type ValueOf<F extends Field> = Exclude<LinkSettings[F], undefined>;

/** A field's words in each rendering; null: this value needs none there (`ipv6: true` is the default). */
interface SettingWords<V> {
  ip: (v: V) => string | null;
  /** A bridge-port option: `ip` takes it on a line of its own, once the port is enslaved. */
  port?: true;
  /** null: the worker cannot set it, and a link-set with it goes to `ip`. */
  worker: ((v: V) => string | null) | null;
  text: (v: V) => string | null;
}

const onOff = (v: boolean) => (v ? 'on' : 'off');
const upDown = (v: boolean) => (v ? 'up' : 'down');

/**
 * In the order `ip link set` and the worker take them: `addrgenmode` before `up`, so the link comes up without
 * an IPv6 link-local address; bridge-port options last. (The worker sends attributes first, flags last.)
 */
// Keyed by Required<>'s keys: over the optional keys themselves, `SETTINGS[field]` would lose its tie to `field`.
const SETTINGS: { [F in keyof Required<LinkSettings>]: SettingWords<ValueOf<F>> } = {
  master: {
    ip: (v) => (v === null ? 'nomaster' : `master ${v}`),
    worker: null,
    text: (v) => (v === null ? 'nomaster' : `master ${v}`),
  },
  mtu: { ip: (v) => `mtu ${v}`, worker: (v) => `mtu ${v}`, text: (v) => `mtu ${v}` },
  mac: { ip: (v) => `address ${v}`, worker: (v) => `mac ${v}`, text: (v) => `mac ${v}` },
  alias: { ip: (v) => `alias ${v}`, worker: null, text: (v) => `alias ${v}` },
  ipv6: { ip: (v) => (v ? null : 'addrgenmode none'), worker: (v) => (v ? null : 'noipv6'), text: (v) => (v ? null : 'no ipv6') },
  up: { ip: upDown, worker: upDown, text: upDown },
  hairpin: { ip: (v) => `type bridge_slave hairpin ${onOff(v)}`, port: true, worker: null, text: (v) => `hairpin ${onOff(v)}` },
};
const SET_ORDER = Object.keys(SETTINGS) as Field[];

// Plans have always listed them in this order (the docs show it); a record, so that no field is left out.
const PLAN_RANK: Record<Field, number> = { master: 1, mtu: 2, mac: 3, alias: 4, up: 5, hairpin: 6, ipv6: 7 };
const PLAN_ORDER = [...SET_ORDER].sort((a, b) => PLAN_RANK[a] - PLAN_RANK[b]);

type Rendering = 'ip' | 'worker' | 'text';

function wordsFor<F extends Field>(field: F, value: ValueOf<F>, rendering: Rendering): string | null {
  return SETTINGS[field][rendering]?.(value) ?? null;
}

/** The words of the fields `s` sets, in `order`, that `keep` selects. */
function settingWords(s: LinkSettings, order: readonly Field[], rendering: Rendering, keep: (f: Field) => boolean = () => true): string[] {
  return order.flatMap((f) => {
    const v = s[f];
    const w = v === undefined || !keep(f) ? null : wordsFor(f, v, rendering);
    return w === null ? [] : [w];
  });
}

/** `ip link set`'s words for `s`: the link's, and the bridge port's options, which go after them. */
function linkSetWords(s: LinkSettings): { link: string[]; port: string[] } {
  return {
    link: settingWords(s, SET_ORDER, 'ip', (f) => !SETTINGS[f].port),
    port: settingWords(s, SET_ORDER, 'ip', (f) => SETTINGS[f].port === true),
  };
}

function linkSetLines(dev: string, s: LinkSettings): string[] {
  const { link, port } = linkSetWords(s);
  return [link, port].filter((w) => w.length > 0).map((w) => `link set dev ${dev} ${w.join(' ')}`);
}

function linkSetWorkerOp(dev: string, s: LinkSettings): string | null {
  if (SET_ORDER.some((f) => s[f] !== undefined && SETTINGS[f].worker === null)) return null;
  return ['link', dev, ...settingWords(s, SET_ORDER, 'worker')].join(' ');
}

function settingsText(s: LinkSettings): string {
  return settingWords(s, PLAN_ORDER, 'text').join(', ');
}
