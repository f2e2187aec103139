// What `tnet inspect` shows of one object: plain values, with the field names its JSON output keeps stable.

/**
 * `owned`: read from the host without a spec (its marks name the spec); with a spec, whether the kernel
 * holds what it asks: `in sync`, `differs` (the plan has something to do for it) or `missing` (its
 * namespace, veth or bridge is not there).
 */
export type InspectState = 'in sync' | 'differs' | 'missing' | 'owned';

/** One host port that a DNAT rule publishes, as the kernel holds it. */
export interface PortView {
  containerPort: number;
  proto: string;
  /** 4: an iptables rule; 6: an ip6tables one. */
  family: 4 | 6;
  /** The host address: `0.0.0.0` or `::` for every address of the family, else the one it is bound to. */
  hostIp: string;
  hostPort: number;
  /** true: tnet chose the host port (ephemeral, or from a range); false: the spec names it; null: no spec given. */
  chosen: boolean | null;
}

/** A container's interface on one network. */
export interface EndpointView {
  network: string;
  /** eth0, eth1 … inside the namespace; null when the kernel holds no such interface. */
  interface: string | null;
  /** ip/prefix, as the kernel holds them; null where it holds none. */
  ipv4: string | null;
  ipv6: string | null;
  /** The network's gateway, each family's. */
  gateway: string | null;
  gateway6: string | null;
  mac: string | null;
  /** The host end of the veth pair, on the bridge. */
  hostVeth: string | null;
  /** The spec's network aliases; null without a spec. */
  aliases: string[] | null;
}

export interface DnsView {
  nameservers: string[];
  search: string[];
  options: string[];
}

export interface ContainerView {
  kind: 'container';
  name: string;
  spec: string;
  state: InspectState;
  /** `bridge`, `host`, `none`, or `container:<name>` for one sharing another's namespace. */
  mode: string;
  /** The namespace's path; null for `host` mode. */
  netns: string | null;
  /** The spec's hostname; null without a spec. */
  hostname: string | null;
  networks: EndpointView[];
  ports: PortView[];
  /** The spec's legacy links; null without a spec. */
  links: { target: string; alias: string }[] | null;
  /** Its resolv.conf as read from /etc/netns; null when there is none. */
  dns: DnsView | null;
  /** The plan's lines for this object (what apply would do to it); none without a spec. */
  changes: string[];
}

/** A container attached to a bridge, as the bridge lists it. */
export interface MemberView {
  name: string;
  interface: string | null;
  ipv4: string | null;
  ipv6: string | null;
  hostVeth: string | null;
}

export interface BridgeView {
  kind: 'bridge';
  name: string;
  spec: string;
  state: InspectState;
  subnet: string | null;
  gateway: string | null;
  subnet6: string | null;
  gateway6: string | null;
  mtu: number | null;
  mac: string | null;
  /** Inter-container traffic and `internal:` from the spec; null without one (rules are not read back into them). */
  icc: boolean | null;
  internal: boolean | null;
  /** A bridge tnet attaches to but does not own (`external: true`). */
  external: boolean;
  uplink: string | null;
  containers: MemberView[];
  changes: string[];
}

/** One host of an overlay; `name` null when read from the kernel, which knows the underlay address only. */
export interface OverlayHostView {
  name: string | null;
  underlay: string;
}

/** An overlay's part on this host: its bridge and the VXLAN device tunnelling it to the other hosts. */
export interface OverlayView extends Omit<BridgeView, 'kind'> {
  kind: 'overlay';
  vni: number | null;
  /** The VXLAN device (`vx-<overlay>`). */
  device: string;
  /** This host's underlay address, and the UDP port. */
  local: string | null;
  port: number | null;
  hosts: OverlayHostView[];
  /** The forwarding entries the kernel holds on the device: frames for `mac` go to the host at `dst`. */
  forwarding: { mac: string; dst: string }[];
}

export type InspectObject = ContainerView | BridgeView | OverlayView;
