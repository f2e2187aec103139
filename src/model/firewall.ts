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
