// Checks before any action for overlays and uplinks: a VXLAN device name in the way, an uplink missing or taken.

import type { DesiredState } from '../model/desired.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { LinksByName } from './links-by-name.js';
import { parseUplinkRecord } from '../ownership/marks.js';

export function checkOverlayLinks(desired: DesiredState, byName: LinksByName): TnetError[] {
  const errors: TnetError[] = [];
  for (const v of desired.vxlans) {
    const seen = byName.get(v.name);
    if (seen && seen.owner?.spec !== desired.spec) {
      errors.push(tnetError('conflict', `interface ${v.name} already exists and tnet spec '${desired.spec}' did not create it`, {
        path: `overlays.${v.bridge}`,
        hint: `remove ${v.name}, or rename the overlay (its VXLAN device is vx-<name>)`,
      }));
    }
  }
  const ours = new Set([...desired.bridges.map((b) => b.name), ...desired.vxlans.map((v) => v.name), ...desired.endpoints.map((e) => e.hostIf)]);
  for (const b of desired.bridges.filter((x) => x.owned && x.uplink)) {
    const u = byName.get(b.uplink!);
    const path = `bridges.${b.name}.uplink`;
    const record = parseUplinkRecord(u?.alias ?? null);
    const mark = u?.owner ?? null;
    if (!u) errors.push(tnetError('uplink-missing', `uplink ${b.uplink} of bridge ${b.name} does not exist on this host`, { path, hint: 'name an interface `ip link` shows' }));
    else if (ours.has(u.name) || (mark && mark.kind !== 'uplink')) errors.push(tnetError('conflict', `uplink ${u.name} of bridge ${b.name} is an interface tnet creates itself`, { path }));
    else if (record && record.spec !== desired.spec) errors.push(tnetError('conflict', `uplink ${u.name} is already the uplink of bridge ${record.bridge} of tnet spec '${record.spec}'`, { path }));
    else if (u.master && !record) errors.push(tnetError('conflict', `uplink ${u.name} is already a port of ${u.master}`, { path, hint: `release it first (ip link set ${u.name} nomaster)` }));
    else if (!record && ['bridge', 'vxlan'].includes(u.kind)) errors.push(tnetError('conflict', `uplink ${u.name} is a ${u.kind}, not an interface to enslave`, { path }));
  }
  return errors;
}

/** Interfaces whose routes move onto a bridge of the spec: their subnets are not in the way of that bridge. */
export function uplinkDevices(desired: DesiredState): Set<string> {
  return new Set(desired.bridges.flatMap((b) => (b.owned && b.uplink ? [b.uplink] : [])));
}
