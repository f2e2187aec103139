// Firewall state as data: the chains and rules tnet owns, desired or observed, backend-neutral.

export type FwTableName = 'filter' | 'nat';

/** The address family of a rule set: iptables (4) or ip6tables (6), each with its own filter and nat tables. */
export type FwFamily = 4 | 6;

/**
 * One rule as iptables-save prints it after `-A <chain> `, e.g.
 * `-s 172.17.0.0/16 ! -o docker0 -m comment --comment "tnet:q" -j MASQUERADE`.
 */
export type FwRule = string;

/** A jump from a built-in chain into a tnet chain; tnet owns only this rule in that chain. */
export interface FwJump {
  from: string; // built-in chain: PREROUTING, OUTPUT, POSTROUTING, INPUT, FORWARD
  rule: FwRule;
  /** 'first': must stay at the top of the built-in chain (TNET-INPUT, TNET-USER, TNET-FORWARD). */
  position: 'first' | 'any';
}

export interface FwTableDesired {
  table: FwTableName;
  /** Chains tnet owns and their exact rules, in order. */
  chains: Record<string, FwRule[]>;
  /** Chains created once if missing and never edited afterwards (TNET-USER); their seed rules are in `chains`. */
  keepChains: string[];
  jumps: FwJump[];
}

export interface FirewallDesired {
  /** The spec whose rules these are: rules carry `tnet:<spec>`, so diff and destroy find exactly them. */
  spec: string;
  /** No table listed: remove everything of this spec from it (destroy, or host.iptables false). */
  tables: FwTableDesired[];
  /**
   * The ip6tables tables, for the bridges with an IPv6 subnet, in the same chains as IPv4's; absent or none
   * listed: remove everything of this spec from them (when they were read: FirewallObserved.tables6).
   */
  tables6?: FwTableDesired[];
  /** Kernel switches the rules depend on (bridge-nf-call-iptables, route_localnet …). */
  sysctls: Record<string, string>;
  /** Bridge ports that need hairpin mode for containers reaching their own published ports. */
  hairpinPorts: string[];
}

export interface FwChainObserved {
  policy: string | null; // built-in chains only
  rules: FwRule[];
}

export interface FwTableObserved {
  table: FwTableName;
  chains: Record<string, FwChainObserved>;
}

export interface FirewallObserved {
  backend: string; // 'nf_tables' | 'legacy'
  tables: FwTableObserved[];
  /**
   * ip6tables-save's filter and nat, of the same backend; absent or null: not read, as when the spec has no
   * IPv6 subnet and nothing says it had one (observe/ip6-trace.ts): its rules are then left as they are.
   */
  tables6?: FwTableObserved[] | null;
  sysctls: Record<string, string>;
}

/** What in a spec makes a rule: read back by `tnet why` to name the field that let a packet through or not. */
export type CauseKind =
  | 'layout' // tnet's chains and the jumps into them, shared by every spec
  | 'isolation' // bridges apart from each other
  | 'internal' // `internal: true`: no way in or out of the bridge
  | 'established' // replies to connections already accepted
  | 'hairpin' // icc off: a container reaching a published port through a host address
  | 'published' // a published port: its DNAT, its ACCEPT, its masquerade to itself
  | 'link' // a legacy link with icc off
  | 'icc' // container to container on one bridge
  | 'out' // containers out to anything else
  | 'masquerade' // `host.ipMasq`: the host's address towards the outside
  | 'loopback' // 127.x: the martian filter and the masquerade onto the bridge
  | 'dns' // tnet's DNS server on the gateway
  | 'neighbours'; // IPv6 Neighbour Discovery between a bridge's ports, which iptables never sees for IPv4's ARP

export interface RuleCause {
  kind: CauseKind;
  /** The spec field that writes the rule, as a path (`bridges.docker0.icc`); null for tnet's own layout. */
  field: string | null;
  bridge?: string;
  /** The container whose field it is: a link's source, a published port's container. */
  container?: string;
  /** A link's target. */
  peer?: string;
  /** A published port as `docker -p` writes it (`127.0.0.1:8080:80/tcp`), or a port a link opens (`80/tcp`). */
  port?: string;
}

/** A desired rule with the reason it is there (the text is exactly the one the rule set holds). */
export interface CausedRule {
  rule: FwRule;
  cause: RuleCause;
}

/** A spec's rules in tnet's chains, by table and chain, each with the field that writes it. */
export type CausedChains = Record<FwTableName, Record<string, CausedRule[]>>;
