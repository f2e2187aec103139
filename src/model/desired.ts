// What the kernel should hold for one spec: plain values computed from the spec, nothing observed.

import type { DesiredDns } from './dns.js';
import type { FirewallDesired } from './firewall.js';

/** Interface alias / lo alias written on every object tnet creates: `tnet:<spec>/<kind>/<name>`. */
export type Mark = string;

export type MarkKind = 'bridge' | 'veth' | 'vxlan' | 'uplink' | 'netns' | 'netns-attached' | 'files';

/** A mark read back (src/ownership/marks.ts). */
export interface ParsedMark {
  spec: string;
  kind: MarkKind;
  name: string;
}

export interface DesiredBridge {
  name: string;
  /** false for `external: true` bridges: tnet attaches to them but never creates or changes them. */
  owned: boolean;
  mark: Mark;
  /** null with an uplink: the bridge takes the uplink's MAC, so the segment's neighbours keep their ARP entries. */
  mac: string | null;
  mtu: number;
  /** gateway/prefix; null with an uplink: the bridge carries the uplink's addresses, not one of its own. */
  address: string | null;
  /** gateway6/prefix on a dual-stack bridge; absent or null: no IPv6 address of tnet's on it. */
  address6?: string | null;
  subnet: string;
  /** Host interface enslaved to the bridge (`uplink:`); null: none. */
  uplink: string | null;
}

/** The VXLAN device of an overlay, enslaved to its bridge, with a forwarding entry per peer host. */
export interface DesiredVxlan {
  name: string;
  bridge: string;
  vni: number;
  local: string;
  port: number;
  mtu: number;
  mark: Mark;
  /** Underlay addresses of the other hosts: one all-zeros fdb entry each (unicast flooding, no multicast). */
  peers: string[];
}

/**
 * A named netns under /run/netns. `created`: tnet makes it. `attached`: a bind mount of an existing
 * namespace path (`netns:` in the spec). `alias`: the same namespace as another container (container:X).
 */
export type DesiredNetns =
  | { name: string; kind: 'created'; mark: Mark }
  | { name: string; kind: 'attached'; mark: Mark; source: string }
  | { name: string; kind: 'alias'; target: string };

/** A veth pair wiring a container namespace to a bridge. */
export interface DesiredEndpoint {
  container: string;
  netns: string;
  hostIf: string;
  ifname: string;
  bridge: string;
  address: string; // ip/prefix
  gateway: string;
  /** ip6/prefix on a dual-stack network, with its gateway; absent or null: IPv4 only. */
  address6?: string | null;
  gateway6?: string | null;
  mac: string;
  mtu: number;
  mark: Mark;
  defaultRoute: boolean;
  /** The alias the host end carries once everything inside is in place: see sealAlias. */
  seal: string;
}

/** The host's IPv6 forwarding switch: tnet writes it like ip_forward, read with the host's links. */
export const IPV6_FORWARD = 'net.ipv6.conf.all.forwarding';

/** IPv6's default route as actions name it (`ip route` and the worker tell the family by the address). */
export const DEFAULT6 = '::/0';

export interface DesiredFile {
  path: string;
  content: string;
}

export interface DesiredState {
  spec: string;
  ipForward: boolean | null; // null: leave as it is
  /** net.ipv6.conf.all.forwarding: true with ipForward when a bridge is dual stack; absent or null: leave it. */
  ipForward6?: boolean | null;
  bridges: DesiredBridge[];
  vxlans: DesiredVxlan[];
  netns: DesiredNetns[];
  endpoints: DesiredEndpoint[];
  /** Folders tnet owns under /etc/netns, one per container namespace, with their files. */
  files: DesiredFile[];
  fileDirs: string[];
  firewall: FirewallDesired | null; // null: host.iptables false, no rule at all
  /** The names tnet's DNS server answers for the spec; null: no network of the spec has DNS. */
  dns: DesiredDns | null;
}
