// One host's part of a spec (`--host`): its containers, and its share of each overlay turned into a bridge.

import { fail, ok, tnetError, type Result, type TnetError } from '../model/errors.js';
import type { BridgeSpec, ContainerSpec, OverlaySpec, Spec } from '../model/spec.js';
import { firstHost, formatIpv4, parseCidr } from '../util/ipv4.js';
import { formatIpv6, parseCidr6 } from '../util/ipv6.js';
import { VXLAN_OVERHEAD } from './normalize.js';
import { knownHosts } from './validate-overlays.js';
import { listedAs } from './lookup.js';
import { listPatchOf } from '../util/patch.js';

/**
 * Every host applies the same spec: a container with `host:` exists only there, one without on every host;
 * an overlay is, on each of its hosts, a bridge addressed from that host's ipRange with a VXLAN device to
 * the others. A spec without overlays or `host:` is its own placement.
 */
export function placeOn(spec: Spec, host: string, listed?: readonly ContainerSpec[]): Result<Spec> {
  const bridges = { ...spec.bridges };
  for (const o of Object.values(spec.overlays)) if (o.hosts[host]) bridges[o.name] = overlayBridge(o, host);
  const all = listed ?? Object.values(spec.containers);
  // The usual spec places nothing with host: and has no overlay: one walk tells, and nothing is copied.
  const here = all.some((c) => c.host !== null && c.host !== host) ? all.filter((c) => c.host === null || c.host === host) : all;
  const containers = here.length === all.length ? spec.containers : Object.fromEntries(here.map((c) => [c.name, c]));
  const errors = Object.keys(spec.overlays).length ? overlayErrors(spec, host, here) : [];
  errors.push(...bridgePortErrors(spec, bridges, here));
  if (errors.length) return fail(...errors);
  listedAs(containers, here);
  return ok({ ...spec, bridges, containers });
}

/** Containers on every host that join an overlay this host is not part of. */
function overlayErrors(spec: Spec, host: string, here: readonly ContainerSpec[]): TnetError[] {
  const errors: TnetError[] = [];
  for (const c of here) {
    for (const e of c.networks) {
      const o = spec.overlays[e.network];
      if (!o || o.hosts[host]) continue;
      const known = [...knownHosts(spec)].sort().join(', ');
      errors.push(tnetError('invalid', `this host is '${host}', which overlay ${o.name} does not list, and container ${c.name} (on every host) joins it`, {
        path: `containers.${c.name}`,
        hint: `pass --host NAME (one of ${known}), add ${host} under overlays.${o.name}.hosts, or place the container with host:`,
      }));
    }
  }
  return errors;
}

/** The kernel numbers a bridge's ports 1-1023 (BR_MAX_PORTS): the 1024th enslaving fails ("Exchange full"). */
export const BRIDGE_MAX_PORTS = 1023;

/** Over the limit on this host: refused before anything is created, not halfway through an apply. */
function bridgePortErrors(spec: Spec, bridges: Spec['bridges'], containers: readonly ContainerSpec[]): TnetError[] {
  const ports = portCounts(containers);
  return Object.values(bridges).flatMap((b) => {
    const overlay = spec.overlays[b.name] !== undefined;
    const n = (ports.get(b.name) ?? 0) + (b.uplink ? 1 : 0) + (overlay ? 1 : 0);
    if (n <= BRIDGE_MAX_PORTS) return [];
    return [tnetError('invalid', `bridge ${b.name} would have ${n} ports on this host; a Linux bridge holds at most ${BRIDGE_MAX_PORTS} (Docker's networks hit the same limit)`, {
      path: `${overlay ? 'overlays' : 'bridges'}.${b.name}`,
      hint: 'spread the containers over several bridges',
    })];
  });
}

/** Endpoints per network, kept by list: a list patched from one counted is counted by its changes. */
const COUNTS = new WeakMap<readonly ContainerSpec[], ReadonlyMap<string, number>>();

function portCounts(containers: readonly ContainerSpec[]): ReadonlyMap<string, number> {
  const known = COUNTS.get(containers);
  if (known) return known;
  const patch = listPatchOf(containers);
  const before = patch && COUNTS.get(patch.from);
  const ports = new Map(before ?? []);
  const count = (c: ContainerSpec, by: number) => {
    for (const e of c.networks) ports.set(e.network, (ports.get(e.network) ?? 0) + by);
  };
  if (patch && before) {
    for (const i of patch.at) {
      count(patch.from[i], -1);
      count(containers[i], 1);
    }
  } else {
    for (const c of containers) count(c, 1);
  }
  COUNTS.set(containers, ports);
  return ports;
}

function overlayBridge(o: OverlaySpec, host: string): BridgeSpec {
  const range = parseCidr(o.hosts[host].ipRange)!;
  const range6 = o.subnet6 && o.hosts[host].ipRange6 ? parseCidr6(o.hosts[host].ipRange6) : null;
  return {
    name: o.name,
    subnet: o.subnet,
    // Each host's bridge has its own address (and with it its own MAC): one shared gateway address on every
    // host of one layer-2 network would conflict.
    gateway: formatIpv4(firstHost(range)),
    mtu: o.mtu - VXLAN_OVERHEAD,
    ipRange: o.hosts[host].ipRange,
    // IPv6 as IPv4: the host's bridge takes the first address after its range's network address.
    subnet6: range6 ? o.subnet6 : null,
    gateway6: range6 ? formatIpv6(range6.network + 1n) : null,
    ipRange6: range6 ? o.hosts[host].ipRange6 : null,
    icc: o.icc,
    internal: o.internal,
    external: false,
    uplink: null,
    overlay: {
      vni: o.vni,
      local: o.hosts[host].underlay,
      peers: Object.entries(o.hosts).filter(([h]) => h !== host).map(([, h]) => h.underlay).sort(),
    },
  };
}
