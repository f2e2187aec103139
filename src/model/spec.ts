// The spec as the user writes it, after parsing and defaulting: what a host should have.

export type Proto = 'tcp' | 'udp' | 'sctp';

/** One published port: `docker -p` after parsing; ranges are expanded one port per entry. */
export interface PortMapping {
  /** null: every host address, of both families when the container has an IPv6 address (Docker's `8080:80`). */
  hostIp: string | null;
  hostPort: number | null; // null: chosen by tnet from hostRange
  /** Where tnet picks the host port when hostPort is null: `8000-8010:80`, or Docker's ephemeral 32768-60999. */
  hostRange: [number, number] | null;
  containerPort: number;
  proto: Proto;
  /** With hostIp null: `0.0.0.0` (4) or `[::]` (6) was written, every address of that family only; absent: both. */
  family?: 4 | 6;
}

export interface ExposedPort {
  port: number;
  proto: Proto;
}

export interface HostSpec {
  /** net.ipv4.ip_forward, and net.ipv6.conf.all.forwarding when a bridge has an IPv6 subnet. */
  ipForward: boolean;
  iptables: boolean;
  /** ip6tables rules for the bridges with an IPv6 subnet (dockerd --ip6tables, on by default since 27). */
  ip6tables: boolean;
  ipMasq: boolean;
  icc: boolean;
}

export interface BridgeSpec {
  name: string;
  subnet: string; // CIDR, network address
  gateway: string;
  mtu: number;
  ipRange: string | null;
  /** IPv6 CIDR as the kernel prints it; null: IPv4 only. With it the bridge is dual stack. */
  subnet6: string | null;
  /** The bridge's IPv6 address; null when subnet6 is. */
  gateway6: string | null;
  ipRange6: string | null;
  icc: boolean;
  internal: boolean;
  external: boolean;
  /** A host interface enslaved to the bridge, its IPv4 addresses and default route moved onto it; null: none. */
  uplink: string | null;
  /** Set when the bridge is this host's part of an overlay (see place.ts): its VXLAN device and peers. */
  overlay: BridgeOverlay | null;
}

/** One host's part of an overlay: the VXLAN device tunnelling the bridge to the other hosts' underlay addresses. */
export interface BridgeOverlay {
  vni: number;
  local: string;
  peers: string[];
}

/** An overlay as declared: one layer-2 network over VXLAN, a bridge on each of its hosts. */
export interface OverlaySpec {
  name: string;
  vni: number;
  subnet: string;
  /** IPv6 CIDR of the whole overlay; null: IPv4 only. */
  subnet6: string | null;
  /** The underlay's MTU: the bridge and its endpoints get 50 less, the VXLAN header's size. */
  mtu: number;
  icc: boolean;
  internal: boolean;
  hosts: Record<string, OverlayHost>;
}

export interface OverlayHost {
  underlay: string;
  /** Where this host's containers get their addresses; its first address is this host's bridge address. */
  ipRange: string;
  /** This host's part of subnet6, laid out as ipRange is; null when the overlay has no subnet6. */
  ipRange6: string | null;
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

/** One network of a container: eth0, eth1 … in the order the spec declares them. */
export interface EndpointSpec {
  network: string;
  ip: string | null;
  /** A fixed IPv6 address on a dual-stack network; null: allocated there, none elsewhere. */
  ip6: string | null;
  mac: string | null;
  /** Extra names other containers on this network find the container by (their hosts files). */
  aliases: string[];
}

export interface ContainerSpec {
  name: string;
  /** For bridge mode, `bridge` is the network of the default route (and of published ports and links). */
  network: NetworkMode;
  /** Bridge mode: every network, in interface order; one for `bridge:`, several for `networks:`. Else []. */
  networks: EndpointSpec[];
  /** The host the container is placed on (`--host`); null: every host. */
  host: string | null;
  ip: string | null;
  ip6: string | null;
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
  /** Networks across hosts; on a placed spec (place.ts) this host's part is also in `bridges`. */
  overlays: Record<string, OverlaySpec>;
  containers: Record<string, ContainerSpec>;
}
