// Diffs uplinks: enslave a host interface to its bridge with its addresses and default route, or give them back.

import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import type { ObservedLink, ObservedState } from '../model/observed.js';
import type { LinksByName } from './links-by-name.js';
import { parseUplinkRecord, uplinkRecord, type UplinkRecord } from '../ownership/marks.js';

export interface UplinkDiff {
  actions: Action[];
  /** Bridges deleted by an uplink-detach: the rest of the plan must not delete them again. */
  deletedBridges: Set<string>;
}

/**
 * What was moved is recorded in the uplink's alias, so it survives the bridge (deleted by hand, or by destroy)
 * and tnet needs no state file. Detaches run before attaches: an uplink moving between bridges has its
 * addresses back by the time the attach takes them.
 */
export function diffUplinks(desired: DesiredState, observed: ObservedState, byName: LinksByName): UplinkDiff {
  const records = new Map<string, UplinkRecord>();
  for (const l of observed.links) {
    const r = parseUplinkRecord(l.alias);
    if (r?.spec === desired.spec) records.set(l.name, r);
  }
  const wanted = new Map(desired.bridges.filter((b) => b.owned && b.uplink).map((b) => [b.uplink!, b.name]));
  const out: UplinkDiff = { actions: [], deletedBridges: new Set() };
  for (const [uplink, r] of records) {
    if (wanted.get(uplink) === r.bridge) continue;
    const bridge = byName.get(r.bridge);
    const ours = bridge?.owner?.spec === desired.spec;
    const deleteBridge = ours && !desired.bridges.some((b) => b.owned && b.name === r.bridge);
    if (deleteBridge) out.deletedBridges.add(r.bridge);
    const drop = deleteBridge ? [] : (bridge?.addrs ?? []).filter((a) => r.addrs.includes(a));
    out.actions.push({ op: 'uplink-detach', ns: null, bridge: r.bridge, uplink, drop, addrs: r.addrs, via: r.via, deleteBridge });
  }
  for (const [uplink, bridge] of wanted) {
    const u = byName.get(uplink);
    if (!u) continue; // check-host reports it
    const r = records.get(uplink);
    if (r?.bridge === bridge && inSync(r, u, byName.get(bridge), observed)) continue;
    // Moving from another bridge of ours: the detach above gives the addresses back first.
    const back = r && r.bridge !== bridge ? r : null;
    const take = back ? back.addrs : u.addrs;
    const addrs = union(r?.bridge === bridge ? r.addrs : [], take);
    const via = (r?.bridge === bridge || back ? r!.via : null) ?? defaultVia(observed, uplink);
    const record = uplinkRecord({ spec: desired.spec, bridge, addrs, via });
    out.actions.push({ op: 'uplink-attach', ns: null, bridge, uplink, take, addrs, via, record });
  }
  return out;
}

function inSync(r: UplinkRecord, u: ObservedLink, bridge: ObservedLink | undefined, observed: ObservedState): boolean {
  if (u.master !== r.bridge || !bridge || !r.addrs.every((a) => bridge.addrs.includes(a)) || u.addrs.length > 0) return false;
  return r.via === null || observed.routes.some((x) => x.dst === 'default' && x.dev === r.bridge && x.gateway === r.via);
}

function defaultVia(observed: ObservedState, dev: string): string | null {
  return observed.routes.find((r) => r.dst === 'default' && r.dev === dev && r.gateway)?.gateway ?? null;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
