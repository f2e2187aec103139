// Diffs one container endpoint: the veth pair, its host side on the bridge, and eth0 inside the namespace.

import type { Action, LinkSettings } from '../model/action.js';
import { DEFAULT6, type DesiredEndpoint } from '../model/desired.js';
import type { ObservedLink, ObservedNetns, ObservedRoute } from '../model/observed.js';
import { diffAddresses } from './diff-addresses.js';

export interface EndpointSeen {
  host: ObservedLink | undefined;
  /** The namespace as it will be when this endpoint is wired: undefined when it is (re)created by the plan. */
  netns: ObservedNetns | undefined;
  hairpin: boolean;
}

export function diffEndpoint(d: DesiredEndpoint, seen: EndpointSeen): Action[] {
  const actions = endpointActions(d, seen);
  const added = actions.some((a) => a.op === 'veth-add');
  // A pair made with the namespace it goes into is sealed as it is made: one alias write instead of two,
  // the kernel's dearest per-veth cost at thousands. That namespace's intent, recorded before the host batch
  // and dropped only once the apply went through, keeps the seal from vouching until then (vouch.ts).
  if (added && seen.netns === undefined) return actions.map((a) => (a.op === 'veth-add' ? { ...a, mark: d.seal } : a));
  // Any other new pair starts unsealed; an existing end keeps its seal, which already names the desired inside.
  const sealed = seen.host?.alias === d.seal && !added;
  return sealed ? actions : [...actions, { op: 'link-seal', dev: d.hostIf, alias: d.seal, netns: d.netns }];
}

function endpointActions(d: DesiredEndpoint, seen: EndpointSeen): Action[] {
  // Not entered: the seal on the host end vouches for the inside (see vouch.ts).
  if (seen.host && seen.netns && !seen.netns.read) return hostSide(d, seen.host, seen.hairpin);
  const inner = seen.netns?.links.find((l) => l.name === d.ifname);
  const paired = !!seen.host && !!inner && inner.peerIfindex === seen.host.ifindex && seen.host.peerIfindex === inner.ifindex;
  if (paired) return [...hostSide(d, seen.host!, seen.hairpin), ...insideSide(d, inner!, seen.netns!)];
  // A host end without its peer in the namespace (the namespace was recreated) is replaced whole.
  const out: Action[] = seen.host ? [{ op: 'link-del', ns: null, dev: d.hostIf }] : [];
  return [...out, ...fresh(d, seen.hairpin)];
}

function fresh(d: DesiredEndpoint, hairpin: boolean): Action[] {
  const out: Action[] = [
    { op: 'veth-add', hostIf: d.hostIf, peer: d.ifname, netns: d.netns, mtu: d.mtu, mark: d.mark },
    // IPv4-only endpoints carry no IPv6, as Docker's since v26: without it every new endpoint's DAD and MLD
    // packets flood all ports of the bridge, which at a thousand containers costs more than the rest.
    { op: 'link-set', ns: null, dev: d.hostIf, set: { master: d.bridge, ipv6: false, up: true, ...(hairpin ? { hairpin } : {}) } },
    { op: 'link-set', ns: d.netns, dev: d.ifname, set: { mac: d.mac, ipv6: false, up: true } },
    { op: 'addr-add', ns: d.netns, dev: d.ifname, cidr: d.address },
  ];
  if (d.defaultRoute) out.push({ op: 'route-replace', ns: d.netns, dst: 'default', via: d.gateway, dev: d.ifname });
  if (d.address6) out.push({ op: 'addr-add', ns: d.netns, dev: d.ifname, cidr: d.address6 });
  if (d.address6 && d.gateway6 && d.defaultRoute) out.push({ op: 'route-replace', ns: d.netns, dst: DEFAULT6, via: d.gateway6, dev: d.ifname });
  return out;
}


function hostSide(d: DesiredEndpoint, host: ObservedLink, hairpin: boolean): Action[] {
  const set: LinkSettings = {};
  if (host.master !== d.bridge) set.master = d.bridge;
  if (host.mtu !== d.mtu) set.mtu = d.mtu;
  if (!host.up) set.up = true;
  if ((host.hairpin ?? false) !== hairpin || (set.master !== undefined && hairpin)) set.hairpin = hairpin;
  return Object.keys(set).length ? [{ op: 'link-set', ns: null, dev: d.hostIf, set }] : [];
}

function insideSide(d: DesiredEndpoint, eth: ObservedLink, ns: ObservedNetns): Action[] {
  const out: Action[] = [];
  const set: LinkSettings = {};
  if (eth.mac !== d.mac) set.mac = d.mac;
  if (eth.mtu !== d.mtu) set.mtu = d.mtu;
  if (!eth.up) set.up = true;
  if (Object.keys(set).length) out.push({ op: 'link-set', ns: d.netns, dev: d.ifname, set });
  return [
    ...out,
    ...family(d, { have: eth.addrs, want: d.address, routes: ns.routes, gateway: d.gateway, dst: 'default' }),
    ...family(d, { have: eth.addrs6 ?? [], want: d.address6 ?? null, routes: ns.routes6 ?? [], gateway: d.gateway6 ?? null, dst: DEFAULT6 }),
  ];
}

/** eth's address and default route of one family; `dst`: that family's default as actions name it. */
interface FamilySide {
  have: readonly string[];
  want: string | null;
  routes: readonly ObservedRoute[];
  gateway: string | null;
  dst: string;
}

function family(d: DesiredEndpoint, f: FamilySide): Action[] {
  const out = diffAddresses(d.netns, d.ifname, f.have, f.want);
  const def = f.routes.find((r) => r.dst === 'default');
  const routeOk = def && def.gateway === f.gateway && def.dev === d.ifname;
  const wanted = f.want !== null && f.gateway !== null && d.defaultRoute;
  // A changed address drops the kernel's default route with it, so re-add it whenever addresses change.
  if (wanted && (!routeOk || out.length > 0)) out.push({ op: 'route-replace', ns: d.netns, dst: f.dst, via: f.gateway, dev: d.ifname });
  if (!wanted && def?.dev === d.ifname) out.push({ op: 'route-del', ns: d.netns, dst: f.dst, dev: d.ifname });
  return out;
}
