// Names of the host ends of the spec's veths: distinct from each other and from every other interface.

import { containersOf } from '../spec/lookup.js';
import type { Spec } from '../model/spec.js';
import { endpointKey, hostIfName, vxlanName } from '../ownership/marks.js';

/** The host's interfaces as naming needs them (held.ts reads them from the observed links). */
export interface HeldLinks {
  /** Endpoint key → the name of the host veth end this spec already made for that endpoint. */
  own: Readonly<Record<string, string>>;
  /** Every interface of the host, whoever made it. */
  names: readonly string[];
}

/**
 * Endpoint key → host veth name. An endpoint whose end exists keeps its name: renaming would recreate a
 * running endpoint. The others take, in order of their keys (so the result does not depend on the spec's
 * order), the first of hostIfName's candidates that no interface of the host, no name the spec gives a link
 * and no endpoint named before holds. A foreign interface is so never in the way of an endpoint, and a
 * second apply, finding every end where the first made it, names them all the same.
 */
export function hostIfNames(spec: Spec, links: HeldLinks): Record<string, string> {
  const given = specLinkNames(spec);
  const out: Record<string, string> = {};
  const rest: { key: string; container: string; network: string }[] = [];
  for (const c of containersOf(spec)) {
    c.networks.forEach((e, i) => {
      const key = endpointKey(c.name, e.network, i);
      const kept = Object.hasOwn(links.own, key) ? links.own[key] : undefined;
      // A bridge or VXLAN device the spec now names so comes first: the endpoint moves to a new end.
      if (kept !== undefined && !given.has(kept)) out[key] = kept;
      else rest.push({ key, container: c.name, network: e.network });
    });
  }
  if (rest.length === 0) return out;
  // Once every end exists (watch mode, every edit after the first) nothing below runs.
  const taken = new Set([...links.names, ...given]);
  rest.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const r of rest) {
    let attempt = 0;
    let name = hostIfName(spec.name, r.container, r.network);
    while (taken.has(name)) name = hostIfName(spec.name, r.container, r.network, ++attempt);
    taken.add(name);
    out[r.key] = name;
  }
  return out;
}

/** The names the spec gives host links itself: its bridges (external ones too), VXLAN devices and uplinks. */
function specLinkNames(spec: Spec): Set<string> {
  return new Set(Object.values(spec.bridges).flatMap((b) => [b.name, ...(b.overlay ? [vxlanName(b.name)] : []), ...(b.uplink ? [b.uplink] : [])]));
}
