// Prints a plan Terraform-style: one line per action with + (create), ~ (change) or - (destroy), and a summary.

import type { Action, LinkSettings, Ns } from '../model/action.js';

export type Sign = '+' | '~' | '-';

export function sign(a: Action): Sign {
  switch (a.op) {
    case 'netns-add':
    case 'netns-attach':
    case 'bridge-add':
    case 'veth-add':
    case 'vxlan-add':
    case 'fdb-add':
    case 'addr-add':
      return '+';
    case 'uplink-detach':
      return a.deleteBridge ? '-' : '~';
    case 'netns-del':
    case 'link-del':
    case 'link-reap':
    case 'addr-del':
    case 'route-del':
    case 'fdb-del':
    case 'dir-remove':
      return '-';
    default:
      return '~';
  }
}

const where = (ns: Ns, dev: string) => (ns === null ? dev : `${ns}:${dev}`);

export function describe(a: Action): string {
  switch (a.op) {
    case 'netns-add':
      return `netns ${a.name}`;
    case 'netns-attach':
      return `netns ${a.name} -> ${a.source}`;
    case 'netns-del':
      return `netns ${a.name}`;
    case 'netns-mark':
      return `netns ${a.name}: lo up, alias ${a.mark}`;
    case 'bridge-add':
      return `bridge ${a.name} (mac ${a.mac}, mtu ${a.mtu})`;
    case 'veth-add':
      return `veth ${a.hostIf} <-> ${a.netns}:${a.peer} (mtu ${a.mtu})`;
    case 'vxlan-add':
      return `vxlan ${a.name} (vni ${a.vni}, local ${a.local}, port ${a.port}, mtu ${a.mtu})`;
    case 'fdb-add':
    case 'fdb-del':
      return `fdb ${a.dev}: flood to ${a.dst}`;
    case 'uplink-attach':
      return `uplink ${a.uplink} -> bridge ${a.bridge} (moves ${moved(a.addrs, a.via)})`;
    case 'uplink-detach':
      return `${a.deleteBridge ? `bridge ${a.bridge}, giving back` : `uplink ${a.uplink} released from bridge ${a.bridge}, back`} ${moved(a.addrs, a.via)}${a.deleteBridge ? ` to ${a.uplink}` : ''}`;
    case 'link-set':
      return `link ${where(a.ns, a.dev)}: ${settings(a.set)}`;
    case 'link-del':
      return `link ${where(a.ns, a.dev)}`;
    case 'link-reap':
      return `veth ${a.dev} (with namespace ${a.netns})`;
    case 'link-seal':
      return `link ${a.dev}: seal ${a.alias.slice(a.alias.indexOf('@') + 1)}`;
    case 'addr-add':
    case 'addr-del':
      return `address ${a.cidr} on ${where(a.ns, a.dev)}`;
    case 'route-replace':
      return `route ${a.dst}${a.via ? ` via ${a.via}` : ''} on ${where(a.ns, a.dev)}`;
    case 'route-del':
      return `route ${a.dst}${a.dev ? ` on ${where(a.ns, a.dev)}` : ''}`;
    case 'sysctl':
      return `sysctl ${a.key} = ${a.value}`;
    case 'file-write':
      return `file ${a.path}`;
    case 'dir-remove':
      return `folder ${a.path}`;
    case 'fw-update':
      return `iptables ${a.table}: ${firewallSummary(a.update)}`;
  }
}

function moved(addrs: string[], via: string | null): string {
  const parts = [...addrs, ...(via ? [`default via ${via}`] : [])];
  return parts.length ? parts.join(', ') : 'no address';
}

function settings(s: LinkSettings): string {
  const parts: string[] = [];
  if (s.master !== undefined) parts.push(s.master === null ? 'nomaster' : `master ${s.master}`);
  if (s.mtu !== undefined) parts.push(`mtu ${s.mtu}`);
  if (s.mac !== undefined) parts.push(`mac ${s.mac}`);
  if (s.alias !== undefined) parts.push(`alias ${s.alias}`);
  if (s.up !== undefined) parts.push(s.up ? 'up' : 'down');
  if (s.hairpin !== undefined) parts.push(`hairpin ${s.hairpin ? 'on' : 'off'}`);
  if (s.ipv6 === false) parts.push('no ipv6');
  return parts.join(', ');
}

function firewallSummary(u: Extract<Action, { op: 'fw-update' }>['update']): string {
  const parts: string[] = [];
  if (u.createChains.length) parts.push(`create ${u.createChains.join(', ')}`);
  const replaced = Object.keys(u.replaceChains).filter((c) => !u.createChains.includes(c));
  if (replaced.length) parts.push(`rewrite ${replaced.join(', ')}`);
  if (u.insertRules.length) parts.push(`insert ${u.insertRules.length} rule(s) into ${[...new Set(u.insertRules.map((r) => r.chain))].join(', ')}`);
  if (u.deleteRules.length) parts.push(`delete ${u.deleteRules.length} rule(s) from ${[...new Set(u.deleteRules.map((r) => r.chain))].join(', ')}`);
  if (u.deleteChains.length) parts.push(`delete ${u.deleteChains.join(', ')}`);
  return parts.join('; ');
}

export function renderPlan(actions: Action[]): string {
  return actions.map((a) => `  ${sign(a)} ${describe(a)}`).join('\n');
}

export function summary(actions: Action[], done = false): string {
  const n = { '+': 0, '~': 0, '-': 0 };
  for (const a of actions) n[sign(a)]++;
  return done
    ? `${n['+']} added, ${n['~']} changed, ${n['-']} destroyed`
    : `${n['+']} to add, ${n['~']} to change, ${n['-']} to destroy`;
}
