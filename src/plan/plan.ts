// The planner: (desired, observed) → ordered actions, or the reasons it cannot act. Pure.

import type { Action } from '../model/action.js';
import { IPV6_FORWARD, type DesiredState } from '../model/desired.js';
import { fail, ok, type Result } from '../model/errors.js';
import type { ObservedNetns, ObservedState } from '../model/observed.js';
import { checkHost, checkHostLinks, checkInnerNames } from './check-host.js';
import { checkLimits } from './check-limits.js';
import { diffBridge } from './diff-bridges.js';
import { diffEndpoint } from './diff-endpoints.js';
import { diffDns } from './diff-dns.js';
import { diffFiles } from './diff-files.js';
import { diffFirewall } from './diff-firewall.js';
import { diffNetns, netnsMark } from './diff-netns.js';
import { diffUplinks } from './diff-uplinks.js';
import { diffVxlan } from './diff-vxlans.js';
import { linksByName, type LinksByName } from './links-by-name.js';
import { netnsOfKey, parseMark, REAP_GROUP } from '../ownership/marks.js';
import type { LastValue } from '../util/last-value.js';
import type { PlanMemo } from './memo.js';

/** `memo`: watch mode's, kept across passes (memo.ts); without one every diff runs. */
export function plan(desired: DesiredState, observed: ObservedState, memo: PlanMemo | null = null): Result<Action[]> {
  const at = <V>(slot: LastValue<V> | undefined, inputs: unknown[], compute: () => V): V => (slot ? slot.get(inputs, compute) : compute());
  const { spec } = desired;
  const netns = at(memo?.netns, [spec, desired.netns, observed.netns, observed.intents, observed.paths], () => diffNetns(desired, observed));
  const files = at(memo?.files, [spec, desired.files, desired.fileDirs, observed.files, observed.fileDirs], () => diffFiles(desired, observed));
  const links = at(memo?.byName, [observed.links], () => linksByName(observed));
  const ours = [spec, desired.bridges, desired.vxlans, desired.endpoints];
  const adds = {
    netns: netns.actions.filter((a) => a.op === 'netns-add').length,
    veths: at(memo?.veths, [desired.endpoints, links], () => desired.endpoints.filter((e) => !links.has(e.hostIf)).length),
  };
  const errors = [
    ...checkHost(desired, observed, links, at(memo?.hostLinks, [...ours, links], () => checkHostLinks(desired, links)), memo?.host ?? null),
    ...at(memo?.innerNames, [desired.endpoints, observed.netns, observed.links, links, netns.fresh], () => checkInnerNames(desired, observed, links, netns.fresh)),
    ...checkLimits(desired, observed, adds), ...netns.errors, ...files.errors,
  ];
  if (errors.length) return fail(...errors);
  const uplinks = at(memo?.uplinks, [spec, desired.bridges, observed.links, observed.routes, links], () => diffUplinks(desired, observed, links));
  const pruned = at(memo?.prune, [...ours, observed.links, observed.netns, observed.intents, netns.actions, uplinks.deletedBridges], () =>
    pruneLinks(desired, observed, deletedNamespaces(netns.actions, observed), uplinks.deletedBridges));
  const hairpin = desired.firewall?.hairpinPorts ?? [];
  const linked = at(memo?.links, [...ours, hairpin, observed.netns, observed.fdb, links, netns.fresh], () => diffLinks(desired, observed, links, netns.fresh));
  return ok([
    ...diffSysctls(desired, observed),
    ...netns.actions,
    ...pruned,
    ...linked,
    ...uplinks.actions,
    ...files.actions,
    ...(desired.firewall && observed.firewall ? diffFirewall(desired.firewall, observed.firewall, memo?.firewall ?? null) : []),
    ...diffDns(desired, observed),
  ]);
}

function diffSysctls(desired: DesiredState, observed: ObservedState): Action[] {
  const out: Action[] = [];
  if (desired.ipForward && !observed.ipForward) out.push({ op: 'sysctl', ns: null, key: 'net.ipv4.ip_forward', value: '1' });
  if (desired.ipForward6 && observed.ipForward6 === false) out.push({ op: 'sysctl', ns: null, key: IPV6_FORWARD, value: '1' });
  for (const [key, value] of Object.entries(desired.firewall?.sysctls ?? {})) {
    const seen = observed.firewall?.sysctls[key];
    // A switch turned off needs no write where none can be read: a bridge not made yet starts with it off.
    if (seen !== value && !(seen === undefined && value === '0')) out.push({ op: 'sysctl', ns: null, key, value });
  }
  return out;
}

/**
 * Namespaces the plan deletes that tnet created: their veths are deleted with them (link-reap), and a process
 * still inside one keeps it, without a network, after its name is gone.
 */
export function deletedNamespaces(actions: Action[], observed: ObservedState): Set<string> {
  const out = new Set<string>();
  for (const a of actions) {
    const obs = a.op === 'netns-del' ? observed.netns[a.name] : undefined;
    const m = obs ? parseMark(netnsMark(observed, obs)) : null;
    if (m?.kind === 'netns' && m.name === (a as { name: string }).name) out.add(m.name);
  }
  return out;
}

/** `handled`: bridges an uplink-detach deletes. An uplink itself is never deleted: tnet only borrowed it. */
function pruneLinks(desired: DesiredState, observed: ObservedState, dying: Set<string>, handled: Set<string>): Action[] {
  const wanted = new Set([
    ...desired.bridges.filter((b) => b.owned).map((b) => b.name),
    ...desired.vxlans.map((v) => v.name),
    ...desired.endpoints.map((e) => e.hostIf),
    ...handled,
  ]);
  const out = observed.links.flatMap((l): Action[] => {
    const m = l.owner;
    if (wanted.has(l.name) || m?.spec !== desired.spec || m.kind === 'uplink') return [];
    if (m.kind === 'veth' && dying.has(netnsOfKey(m.name))) return [{ op: 'link-reap', dev: l.name, netns: netnsOfKey(m.name) }];
    return [{ op: 'link-del', ns: null, dev: l.name }];
  });
  const reaped = new Set(out.flatMap((a) => (a.op === 'link-reap' ? [a.dev] : [])));
  if (reaped.size === 0 || reapGroupFree(observed, reaped)) return out;
  return out.map((a) => (a.op === 'link-reap' ? { op: 'link-del', ns: null, dev: a.dev } : a));
}

/**
 * Whether `ip link del group` would delete only the veths reaped: no other host link is in REAP_GROUP, nor
 * in a group `ip` shows by name only (which could be that one).
 */
function reapGroupFree(observed: ObservedState, reaped: Set<string>): boolean {
  return observed.links.every((l) => reaped.has(l.name) || (l.group !== null && l.group !== REAP_GROUP));
}

function diffLinks(desired: DesiredState, observed: ObservedState, byName: LinksByName, fresh: Set<string>): Action[] {
  const hairpin = new Set(desired.firewall?.hairpinPorts ?? []);
  const netnsOf = (name: string): ObservedNetns | undefined => (fresh.has(name) ? undefined : observed.netns[name]);
  const endpoints = desired.endpoints.flatMap((e) =>
    diffEndpoint(e, { host: byName.get(e.hostIf), netns: netnsOf(e.netns), hairpin: hairpin.has(e.hostIf) }),
  );
  return [
    ...desired.bridges.flatMap((b) => diffBridge(b, byName.get(b.name), b.uplink ? byName.get(b.uplink) : undefined)),
    ...desired.vxlans.flatMap((v) => diffVxlan(v, byName.get(v.name), observed.fdb)),
    ...oneDefaultRoute(endpoints),
  ];
}

/**
 * A namespace whose default route moves to another of its interfaces gets a `route replace` on the new one,
 * which already takes the old route's place: deleting it too would fail on a route that is gone.
 */
function oneDefaultRoute(actions: Action[]): Action[] {
  const replaced = new Set(actions.flatMap((a) => (a.op === 'route-replace' && a.dst === 'default' && a.ns ? [a.ns] : [])));
  return actions.filter((a) => !(a.op === 'route-del' && a.dst === 'default' && a.ns && replaced.has(a.ns)));
}
