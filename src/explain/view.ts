// The ends `why` knows, from the spec's desired state or from tnet's marks on the host veths, and the names
// that stand for another end (`container:X` members, host-mode containers).

import type { DesiredState } from '../model/desired.js';
import type { ObservedLink } from '../model/observed.js';
import type { Spec } from '../model/spec.js';
import type { WhyEndpoint } from '../model/why.js';
import { netnsOfKey, parseSeal } from '../ownership/marks.js';
import { rootOf } from '../spec/lookup.js';

/** The spec's endpoints as desired: names, interfaces and addresses as the spec gives or keeps them. */
export function endpointsFromDesired(d: DesiredState): WhyEndpoint[] {
  return d.endpoints.map((e) => ({ container: e.container, spec: d.spec, netns: e.netns, ifname: e.ifname, hostIf: e.hostIf, bridge: e.bridge, ip: e.address.split('/')[0] }));
}

/** Every spec's endpoints as the host veths' seals record them: the address, the namespace, the bridge. */
export function endpointsFromMarks(links: readonly ObservedLink[]): WhyEndpoint[] {
  return links.flatMap((l) => {
    const seal = l.owner?.kind === 'veth' ? parseSeal(l.alias) : null;
    if (!l.owner || !seal || !l.master) return [];
    const netns = netnsOfKey(l.owner.name);
    return [{ container: netns, spec: l.owner.spec, netns, ifname: null, hostIf: l.name, bridge: l.master, ip: seal.address.split('/')[0] }];
  });
}

/** Names that stand for another end in the spec: `container:X` members for X, host-mode containers for the host. */
export function specAliases(spec: Spec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of Object.values(spec.containers)) {
    if (c.network.kind === 'host') out[c.name] = 'host';
    else if (c.network.kind === 'container') out[c.name] = rootOf(spec, c).name;
  }
  return out;
}

/** Without a spec: names under /run/netns that are the same namespace as a container's, for that container. */
export function netnsAliases(listed: readonly { name: string; id: string }[], endpoints: readonly WhyEndpoint[]): Record<string, string> {
  const owners = new Map<string, string>();
  for (const e of listed) if (e.id && endpoints.some((ep) => ep.netns === e.name)) owners.set(e.id, e.name);
  const out: Record<string, string> = {};
  for (const e of listed) {
    const owner = owners.get(e.id);
    if (owner && owner !== e.name) out[e.name] = owner;
  }
  return out;
}
