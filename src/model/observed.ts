// What the kernel holds, as read by src/observe: plain values, no behaviour.

import type { ParsedMark } from './desired.js';
import type { ObservedDns } from './dns.js';
import type { FirewallObserved } from './firewall.js';

export interface ObservedLink {
  ifindex: number;
  name: string;
  kind: string; // veth, bridge, dummy, '' for plain devices
  up: boolean;
  mtu: number;
  mac: string;
  alias: string | null;
  /** The alias parsed as tnet's mark, once where it is read; null when the link is not tnet's. */
  owner: Readonly<ParsedMark> | null;
  master: string | null;
  /** For a veth: the peer's ifindex (in whichever namespace the peer lives). */
  peerIfindex: number | null;
  /** The peer's namespace id as seen from this namespace; null when the peer is in the same one. */
  peerNetnsId: number | null;
  addrs: string[]; // inet ip/prefix
  /** inet6 ip/prefix of global scope (the kernel's link-local ones left out); absent: none read. */
  addrs6?: string[];
  /** Hairpin mode of a bridge port; null when the link is not a bridge port. */
  hairpin: boolean | null;
  /** Its device group (0 by default); null when `ip` prints a name from /etc/iproute2/group instead. */
  group: number | null;
  /** For a VXLAN device: what it tunnels (absent for other kinds). */
  vxlan?: ObservedVxlanInfo;
}

export interface ObservedVxlanInfo {
  vni: number;
  local: string | null;
  port: number;
  learning: boolean;
}

/** A static forwarding entry of a VXLAN device (`bridge fdb`): frames for `mac` go to the underlay `dst`. */
export interface ObservedFdb {
  dev: string;
  mac: string;
  dst: string;
}

export interface ObservedRoute {
  dst: string; // 'default' or a CIDR
  gateway: string | null;
  dev: string | null;
  protocol: string | null;
}

export interface ObservedNetns {
  name: string;
  /** `dev:ino` of the nsfs file: two names with the same id are one namespace; '' for a stale file. */
  id: string;
  /**
   * Whether tnet entered the namespace. A namespace whose host veth seal matches the spec is not entered
   * (src/plan/vouch.ts): its links and routes are then empty and `mark` is the one the seal vouches for.
   */
  read: boolean;
  /** The lo alias: tnet's mark on namespaces it created or attached. */
  mark: string | null;
  links: ObservedLink[];
  routes: ObservedRoute[];
  /** IPv6 routes of the main table, `default` included; absent: none read. */
  routes6?: ObservedRoute[];
}

export interface ObservedState {
  links: ObservedLink[];
  /** Namespace names of the host's peer nsids (`ip netns list`): where each veth's other end lives. */
  nsids: Record<number, string>;
  routes: ObservedRoute[];
  /** The host's IPv6 routes (subnet6 must not overlap one the spec does not own); absent: not read. */
  routes6?: ObservedRoute[];
  /** Forwarding entries with an underlay destination (VXLAN devices'); empty when the spec has no overlay. */
  fdb: ObservedFdb[];
  ipForward: boolean;
  /** net.ipv6.conf.all.forwarding; absent: not read. */
  ipForward6?: boolean;
  netns: Record<string, ObservedNetns>;
  /** Contents of the files under /etc/netns that matter to this spec; absent when missing. */
  files: Record<string, string>;
  fileDirs: string[];
  /**
   * Marks of namespaces an interrupted apply created but had not marked yet (/run/tnet/creating): a
   * namespace named there is tnet's although its lo carries no mark.
   */
  intents: Record<string, string>;
  /** Namespace ids of the `netns:` paths the spec names; null when the path is not a namespace. */
  paths: Record<string, string | null>;
  firewall: FirewallObserved | null;
  /**
   * Sockets of the host's namespace holding a port (tcp listening, udp bound with no peer): a published
   * port must not take one over. Empty when the spec publishes no port (the read is skipped).
   */
  listening: ListeningSocket[];
  /** The kernel's limits an apply could run into halfway: read only when the plan may need them. */
  limits: HostLimits;
  /** tnet's DNS server: this spec's records on the host, other specs', and whether it answers. */
  dns: ObservedDns;
}

/**
 * Limits of the kernel, each null where it cannot be read (tnet itself in a network namespace other than
 * the first one, which has no neighbour table settings of its own) or was not needed: an unknown limit is
 * not checked.
 */
export interface HostLimits {
  /** `net.ipv4.neigh.default.gc_thresh3`: IPv4 neighbour entries of all namespaces together, at most. */
  neighbours: number | null;
  /** `user.max_net_namespaces`: network namespaces of this user namespace, at most. */
  netns: number | null;
  /**
   * Network namespaces that exist now, as far as can be seen: those under /run/netns and those of running
   * processes, less the first one (PID 1's, which the kernel does not count); null when not read (no
   * namespace created, or the named ones far from the limit).
   */
  netnsInUse: number | null;
  /** `fs.mount-max`: mounts of one mount namespace, at most. */
  mountMax: number | null;
  /** The mounts this mount namespace holds now (lines of /proc/self/mountinfo). */
  mounts: number | null;
  /** Whether /run/netns is a mount point already: the first `ip netns add` mounts it once more. */
  netnsDirMounted: boolean;
  /** The hard limit of open files (RLIMIT_NOFILE) `ip` gets: it holds one per veth it creates in a namespace. */
  openFiles: number | null;
}

/** Descriptors `ip -batch` holds besides one per `netns NAME` it is given (stdio, netlink sockets), with room. */
export const IP_OWN_FILES = 32;

/** A socket of the host's namespace that holds a port, as /proc/net/{tcp,udp}{,6} list it. */
export interface ListeningSocket {
  proto: 'tcp' | 'udp';
  /** The address as bound: `0.0.0.0`, `::`, `127.0.0.1`, `::1`, `::ffff:192.0.2.1`. */
  ip: string;
  /**
   * The IPv4 address whose port it holds: `0.0.0.0` for every one (so does `::` unless sockets are
   * IPv6-only by default), the address itself for IPv4 and IPv4-mapped ones; null for IPv6 only.
   */
  ipv4: string | null;
  port: number;
  inode: number;
  /** The process holding it: looked up only for sockets in the way of a port the spec publishes. */
  owner: SocketOwner | null;
}

export interface SocketOwner {
  pid: number;
  comm: string;
}

/** A process as a message names it: its pid and its name (/proc/PID/comm). */
export type NamedProcess = SocketOwner;
