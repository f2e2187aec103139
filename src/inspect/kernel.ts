// What the kernel holds of a container or a bridge, looked up in an observation: interfaces, addresses, resolv.conf.

import type { ObservedLink, ObservedState } from '../model/observed.js';
import { ETC_NETNS } from '../ownership/paths.js';
import { parseResolv } from '../desired/netns-files.js';
import { formatCidr, parseCidr } from '../util/ipv4.js';
import { formatCidr6, parseCidr6 } from '../util/ipv6.js';
import type { DnsView, EndpointView, MemberView } from './view.js';

/** The host's links by name: every object looks its own up, once per inspect rather than once per object. */
export const linksByName = (observed: ObservedState): Map<string, ObservedLink> => new Map(observed.links.map((l) => [l.name, l]));

/**
 * The container end of a host veth, inside namespace `netns`: the interface whose index the veth names as
 * its peer, or by name (`ifname`) when the host end is missing. null when the namespace was not read.
 */
export function insideEnd(observed: ObservedState, netns: string, hostVeth: ObservedLink | undefined, ifname: string | null): ObservedLink | null {
  const links = observed.netns[netns]?.links ?? [];
  const byPeer = hostVeth?.peerIfindex != null ? links.find((l) => l.ifindex === hostVeth.peerIfindex && l.name !== 'lo') : undefined;
  return byPeer ?? (ifname ? links.find((l) => l.name === ifname) : undefined) ?? null;
}

/** `ip/prefix` → its address alone. */
export const ipOf = (cidr: string | null | undefined): string | null => (cidr ? cidr.split('/')[0] : null);

/** The block an interface's address is in: the bridge's subnet, read from its gateway's `ip/prefix`. */
export function blockOf(cidr: string | null | undefined): string | null {
  if (!cidr) return null;
  if (cidr.includes(':')) {
    const c = parseCidr6(cidr);
    return c ? formatCidr6(c) : null;
  }
  const c = parseCidr(cidr);
  return c ? formatCidr(c) : null;
}

/** The container's resolv.conf under /etc/netns, parsed; null when there is none. */
export function dnsOf(observed: ObservedState, container: string): DnsView | null {
  const text = observed.files[`${ETC_NETNS}/${container}/resolv.conf`];
  return text === undefined ? null : parseResolv(text);
}

/** The addresses an endpoint's DNAT rules may lead to: each family's, without prefix. */
export const addressesOf = (e: Pick<EndpointView, 'ipv4' | 'ipv6'>): string[] => [ipOf(e.ipv4), ipOf(e.ipv6)].flatMap((ip) => (ip ? [ip] : []));

/** A container's endpoint as its bridge lists it. */
export function memberOf(container: string, e: EndpointView): MemberView {
  return { name: container, interface: e.interface, ipv4: e.ipv4, ipv6: e.ipv6, hostVeth: e.hostVeth };
}
