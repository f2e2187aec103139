// The plan: an ordered list of small idempotent kernel actions, each a plain value.

import type { FwFamily, FwTableName, FwRule } from './firewall.js';

/** `null` is the host namespace; otherwise the name of a netns under /run/netns. */
export type Ns = string | null;

export type Action =
  | { op: 'netns-add'; name: string }
  | { op: 'netns-attach'; name: string; source: string }
  | { op: 'netns-del'; name: string }
  | { op: 'netns-mark'; name: string; mark: string }
  | { op: 'bridge-add'; name: string; mac: string; mtu: number; mark: string }
  | { op: 'veth-add'; hostIf: string; peer: string; netns: string; mtu: number; mark: string }
  // The host-side ops below carry `ns: null` so that they run in the host batch with the other host links.
  | { op: 'vxlan-add'; ns: null; name: string; vni: number; local: string; port: number; mtu: number; mark: string }
  /**
   * Enslaves `uplink` to `bridge` and moves its addresses and default route there, in one batch so the host
   * is cut off for microseconds only. `record` (the uplink's new alias) says what was moved, to give it back.
   */
  | { op: 'uplink-attach'; ns: null; bridge: string; uplink: string; take: string[]; addrs: string[]; via: string | null; record: string }
  /**
   * Gives an uplink back its addresses and default route: the bridge is deleted with it (`deleteBridge`, which
   * also releases the port), or only releases it and drops the addresses listed in `drop`.
   */
  | { op: 'uplink-detach'; ns: null; bridge: string; uplink: string; drop: string[]; addrs: string[]; via: string | null; deleteBridge: boolean }
  | { op: 'fdb-add'; dev: string; dst: string }
  | { op: 'fdb-del'; dev: string; dst: string }
  | { op: 'link-set'; ns: Ns; dev: string; set: LinkSettings }
  | { op: 'link-del'; ns: Ns; dev: string }
  /**
   * A host veth end that goes with its namespace, deleted with the others of its batch in one kernel batch
   * (`ip link del group`) before the namespace: one by one costs tens of ms each, and left to the namespace,
   * the kernel frees it later, or never while a process holds the namespace.
   */
  | { op: 'link-reap'; dev: string; netns: string }
  /** Run once everything inside the namespace is in place: the alias then vouches for it (see sealAlias). */
  | { op: 'link-seal'; dev: string; alias: string; netns: string }
  | { op: 'addr-add'; ns: Ns; dev: string; cidr: string }
  | { op: 'addr-del'; ns: Ns; dev: string; cidr: string }
  | { op: 'route-replace'; ns: Ns; dst: string; via: string | null; dev: string }
  | { op: 'route-del'; ns: Ns; dst: string; dev: string | null }
  | { op: 'sysctl'; ns: Ns; key: string; value: string }
  | { op: 'file-write'; path: string; content: string }
  | { op: 'dir-remove'; path: string }
  /** `family` 6: the table of ip6tables; absent: iptables'. */
  | { op: 'fw-update'; table: FwTableName; family?: FwFamily; update: FwTableUpdate }
  /** A spec's DNS records written (or removed: `content` null) where the server reads them. */
  | { op: 'dns-records'; spec: string; path: string; content: string | null }
  /** The DNS server started if it does not answer, then told to read the records again; done when it has. */
  | { op: 'dns-serve' }
  /** The DNS server stopped: no spec on the host has records any more. */
  | { op: 'dns-stop' };

export interface LinkSettings {
  up?: boolean;
  master?: string | null; // null: release from its bridge
  mtu?: number;
  mac?: string;
  alias?: string;
  hairpin?: boolean;
  /** false: no IPv6 link-local address, hence no DAD or MLD chatter flooded to every bridge port. */
  ipv6?: boolean;
}

/** What changes in one table: applied as one atomic iptables-restore --noflush. */
export interface FwTableUpdate {
  createChains: string[];
  /** Owned chains rewritten whole (flushed and refilled). */
  replaceChains: Record<string, FwRule[]>;
  deleteChains: string[];
  /** Rules deleted from chains tnet does not own (stale or misplaced jumps). */
  deleteRules: { chain: string; rule: FwRule }[];
  insertRules: { chain: string; rule: FwRule; position: number | 'end' }[];
}

export type ActionOp = Action['op'];

/** The actions of tnet's DNS server: files under /run/tnet/dns and a process, not kernel objects. */
export const isDnsAction = (a: Action): boolean => a.op === 'dns-records' || a.op === 'dns-serve' || a.op === 'dns-stop';

/** The alias on a host veth end that vouches for its namespace: set once everything inside went through. */
export type SealAction = Extract<Action, { op: 'link-seal' }>;

/** The all-zeros MAC: an fdb entry for it is where a VXLAN device floods broadcast and unknown frames (head-end replication). */
export const FLOOD_MAC = '00:00:00:00:00:00';
