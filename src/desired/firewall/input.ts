// What the firewall rules are computed from: the spec's bridges and containers, flattened and resolved.

export type FwProto = 'tcp' | 'udp' | 'sctp';

export interface FwBridge {
  name: string;
  subnet: string; // CIDR
  gateway: string;
  icc: boolean;
  internal: boolean;
  /** Attached to, not made by tnet: a switch set on it may be another tool's, so tnet never turns one off. */
  external: boolean;
  /** tnet's DNS server listens on the gateway: INPUT accepts DNS from the bridge to it. */
  dns: boolean;
  /** This host's part of an overlay: its fields are the overlay's (`overlays.<name>.icc`), for `tnet why`. */
  overlay?: boolean;
  /** The IPv6 subnet and gateway of a dual-stack bridge: its ip6tables rules; absent or null: IPv4 only. */
  subnet6?: string | null;
  gateway6?: string | null;
}

export interface FwPort {
  hostIp: string | null; // null, 0.0.0.0 or ::: every host address (of that family)
  hostPort: number; // ranges arrive expanded, one entry per port
  containerPort: number;
  proto: FwProto;
  /** With hostIp null: published on this family only (`0.0.0.0:`, `[::]:`); absent: on both, one host port. */
  family?: 4 | 6;
}

export interface FwContainer {
  name: string;
  bridge: string;
  ip: string;
  /** Its IPv6 address on a dual-stack bridge; absent or null: none, and no IPv6 rule for it. */
  ip6?: string | null;
  hostIf: string; // host end of the veth, for hairpin mode
  ports: FwPort[];
  expose: { port: number; proto: FwProto }[];
  links: string[]; // names of containers this one links to
}

export interface FirewallInput {
  spec: string;
  ipMasq: boolean;
  /** host.ip6tables: false writes no IPv6 rule (and removes those written before); absent: true. */
  ip6tables?: boolean;
  bridges: FwBridge[];
  containers: FwContainer[];
}
