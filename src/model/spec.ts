// The spec as the user writes it, after parsing and defaulting: what a host should have.

export type Proto = 'tcp' | 'udp' | 'sctp';

/** One published port: `docker -p` after parsing; ranges are expanded one port per entry. */
export interface PortMapping {
  hostIp: string | null; // null: every host address
  hostPort: number | null; // null: chosen by tnet from hostRange
  /** Where tnet picks the host port when hostPort is null: `8000-8010:80`, or Docker's ephemeral 32768-60999. */
  hostRange: [number, number] | null;
  containerPort: number;
  proto: Proto;
}

export interface ExposedPort {
  port: number;
  proto: Proto;
}

export interface HostSpec {
  ipForward: boolean;
  iptables: boolean;
  ipMasq: boolean;
  icc: boolean;
}

export interface BridgeSpec {
  name: string;
  subnet: string; // CIDR, network address
  gateway: string;
  mtu: number;
  ipRange: string | null;
  icc: boolean;
  internal: boolean;
  external: boolean;
}

export type NetworkMode =
  | { kind: 'bridge'; bridge: string }
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; target: string };

export interface LinkSpec {
  target: string;
  alias: string;
}

export interface ExtraHost {
  name: string;
  ip: string;
}

export interface ContainerSpec {
  name: string;
  network: NetworkMode;
  ip: string | null;
  mac: string | null;
  mtu: number | null;
  hostname: string;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: ExtraHost[];
  links: LinkSpec[];
  expose: ExposedPort[];
  ports: PortMapping[];
  publishAll: boolean;
  netns: string | null;
}

export interface Spec {
  /** Which spec owns what tnet creates: every kernel mark carries it. */
  name: string;
  host: HostSpec;
  bridges: Record<string, BridgeSpec>;
  containers: Record<string, ContainerSpec>;
}
