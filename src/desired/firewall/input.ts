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
}

export interface FwPort {
  hostIp: string | null; // null or 0.0.0.0: every host address
  hostPort: number; // ranges arrive expanded, one entry per port
  containerPort: number;
  proto: FwProto;
}

export interface FwContainer {
  name: string;
  bridge: string;
  ip: string;
  hostIf: string; // host end of the veth, for hairpin mode
  ports: FwPort[];
  expose: { port: number; proto: FwProto }[];
  links: string[]; // names of containers this one links to
}

export interface FirewallInput {
  spec: string;
  ipMasq: boolean;
  bridges: FwBridge[];
  containers: FwContainer[];
}
