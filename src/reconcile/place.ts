// One host's part of a spec (`--host`): its containers, and its share of each overlay turned into a bridge.

import { fail, ok, tnetError, type Result, type TnetError } from '../model/errors.js';
import type { BridgeSpec, OverlaySpec, Spec } from '../model/spec.js';
import { firstHost, formatIpv4, parseCidr } from '../util/ipv4.js';
import { VXLAN_OVERHEAD } from './normalize.js';
import { knownHosts } from './validate-overlays.js';

/**
 * Every host applies the same spec: a container with `host:` exists only there, one without on every host;
 * an overlay is, on each of its hosts, a bridge addressed from that host's ipRange with a VXLAN device to
 * the others. A spec without overlays or `host:` is its own placement.
 */
export function placeOn(spec: Spec, host: string): Result<Spec> {
  const bridges = { ...spec.bridges };
  for (const o of Object.values(spec.overlays)) if (o.hosts[host]) bridges[o.name] = overlayBridge(o, host);
  const containers = Object.fromEntries(Object.entries(spec.containers).filter(([, c]) => c.host === null || c.host === host));
  const errors: TnetError[] = [];
  for (const c of Object.values(containers)) {
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
  return errors.length ? fail(...errors) : ok({ ...spec, bridges, containers });
}

function overlayBridge(o: OverlaySpec, host: string): BridgeSpec {
  const range = parseCidr(o.hosts[host].ipRange)!;
  return {
    name: o.name,
    subnet: o.subnet,
    // Each host's bridge has its own address (and with it its own MAC): one shared gateway address on every
    // host of one layer-2 network would conflict.
    gateway: formatIpv4(firstHost(range)),
    mtu: o.mtu - VXLAN_OVERHEAD,
    ipRange: o.hosts[host].ipRange,
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
