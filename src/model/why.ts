// `tnet why` as data: the question (a packet from one end to another), what it is answered from, and the
// answer: the packet's way through the host hop by hop, the rules that decide and the spec fields behind them.

import type { CausedChains, FirewallDesired, FirewallObserved, FwTableName, RuleCause } from './firewall.js';
import type { ListeningSocket, ObservedLink, ObservedNetns, ObservedRoute } from './observed.js';
import type { Spec } from './spec.js';

export type WhyProto = 'tcp' | 'udp' | 'icmp';
export type Verdict = 'allowed' | 'blocked' | 'unknown';

/** One end of the question, resolved: a container (its namespace), the host itself, or an address beyond it. */
export interface WhyEnd {
  kind: 'container' | 'host' | 'outside';
  /** The container's name (its namespace's owner), `host`, or the address as given. */
  name: string;
  ip: string;
  /** The spec owning the container; null for the host and the outside. */
  spec: string | null;
}

export interface WhyQuery {
  src: WhyEnd;
  dst: WhyEnd;
  proto: WhyProto;
  /** null: an ICMP echo. */
  port: number | null;
}

/** Who wrote a rule: a spec (comment `tnet:<spec>`), tnet's shared layout (comment `tnet`), or another tool. */
export type RuleOwner = { kind: 'spec'; spec: string } | { kind: 'tnet' } | { kind: 'foreign' };

/** A rule the packet met that matched, or may have: the rules that did not match are left out. */
export interface RuleStep {
  table: FwTableName;
  chain: string;
  /** 1-based, as `iptables -L --line-numbers` counts; 0 for the chain's policy. */
  index: number;
  /** As iptables-save prints it after `-A CHAIN`; for a policy, the policy (`DROP`). */
  rule: string;
  /** What it does: ACCEPT, DROP, the chain it jumps to, DNAT … */
  effect: string;
  /** false: a match `why` cannot evaluate (`reason` names it): the rule may or may not apply. */
  certain: boolean;
  reason?: string;
  owner: RuleOwner;
  cause: RuleCause | null;
  /** With the spec's comment, yet not a rule the spec writes: edited or added by hand, or left behind. */
  drift?: boolean;
}

export type HopOutcome = 'pass' | 'drop' | 'unknown';

/** What stopped a packet outside netfilter: the kernel's routing and the bridge, read for the advice. */
export type HopReason =
  | 'no-route' // no route to the destination (a container on an internal bridge has no default route)
  | 'no-route-back' // the host has no route back to the source
  | 'no-forward' // net.ipv4.ip_forward is 0
  | 'martian' // 127.x coming in on an interface without route_localnet
  | 'localnet' // a 127.x source sent out of an interface without route_localnet
  | 'hairpin' // back out of the bridge port it came in by, without hairpin mode
  | 'unwired' // a container's veth is missing or not on its bridge
  | 'no-neighbour' // nobody on the bridge has the address
  | 'unread'; // what the trace needs was not read

/** One place on the way: a namespace's routing, a veth, a bridge, a netfilter hook, the host's routing. */
export interface Hop {
  /** Where: `a`, `veth1234 → docker0`, `nat PREROUTING`, `filter FORWARD`, `routing` … */
  at: string;
  text: string;
  outcome: HopOutcome;
  /** The rules that acted there, in the order met (jumps first, the deciding rule last). */
  rules: RuleStep[];
  reason?: HopReason;
}

/** Where the packet ends up, and as whom it arrives there. */
export interface Arrival {
  kind: 'container' | 'host' | 'outside' | 'bridge';
  /** The container, `host`, or the interface the packet leaves by. */
  name: string;
  ip: string;
  port: number | null;
  /** The source address the receiver sees (after masquerade). */
  seenFrom: string;
}

export interface Drift {
  /** The verdict once `tnet apply` has put back the spec's rules and switches. */
  afterApply: Verdict;
  /** Rules the spec writes that the host lacks, met by the packet once applied. */
  missing: RuleStep[];
  /** Rules with the spec's comment that the spec does not write, met by the packet now. */
  extra: RuleStep[];
}

export interface WhyTrace {
  query: WhyQuery;
  verdict: Verdict;
  request: Hop[];
  /** The reply's way back (conntrack ESTABLISHED); empty when the request does not arrive. */
  reply: Hop[];
  arrival: Arrival | null;
  /** The rules that decided, on the way there and back: what the advice is about. */
  deciding: RuleStep[];
  /** With a spec: what differs from it on the packet's way, and the verdict once applied. */
  drift: Drift | null;
  /** What to change in the spec to open the way (blocked) or close it (allowed). */
  advice: string[];
  notes: string[];
}

/** `--probe`: what a real packet from SRC's namespace did. */
export interface ProbeResult {
  /** true: the destination answered (a TCP reset too: the packet got there); false: nothing in time; null: not sent. */
  reached: boolean | null;
  /** What was seen (`connected`, `reset (ECONNREFUSED)`, `no answer in 1000 ms`), or why nothing was sent. */
  detail: string;
  /** Whether the kernel agrees with the computed verdict; null when it cannot say. */
  agrees: boolean | null;
}

/** A container's endpoint on a bridge: its address, its host veth and its bridge. */
export interface WhyEndpoint {
  container: string;
  spec: string;
  /** The namespace it is in. */
  netns: string;
  /** Its interface inside (`eth0`); null when known from the marks only. */
  ifname: string | null;
  hostIf: string;
  bridge: string;
  /** Without prefix. */
  ip: string;
}

/** The spec given with -f: its rules with the field behind each, and what an apply would write. */
export interface WhySpec {
  spec: Spec;
  desired: FirewallDesired | null;
  causes: CausedChains | null;
}

/** What a trace is computed from: the host as observed, and the spec when one is given. */
export interface NetView {
  links: ObservedLink[];
  routes: ObservedRoute[];
  ipForward: boolean;
  firewall: FirewallObserved | null;
  /** The host's listening sockets: whether a packet for the host itself finds someone. */
  listening: ListeningSocket[];
  endpoints: WhyEndpoint[];
  /** Names standing for another end: a `container:X` member → X, a host-mode container → `host`. */
  aliases: Record<string, string>;
  /** Namespaces read inside (SRC's): their interfaces and routes. */
  netns: Record<string, ObservedNetns>;
  /** The kernel's ip_local_port_range: a client's source port is one of these. */
  ephemeral: [number, number];
  spec: WhySpec | null;
}
