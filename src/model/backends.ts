// The backend interfaces: the firewall's (iptables-save text in, iptables-restore text out) and the links'.

import type { Action, SealAction } from './action.js';
import type { TnetError } from './errors.js';
import type { FwFamily, FwTableName } from './firewall.js';

export interface FirewallBackend {
  /** 'nf_tables' | 'legacy' | 'none' */
  name: string;
  /**
   * Every table, as one `iptables-save` prints them: one process however many tables tnet reads. `family`
   * 6: `ip6tables-save` of the same variant.
   */
  save(family?: FwFamily): Promise<string>;
  /**
   * One `iptables-restore --noflush` (`ip6tables-restore` for family 6) of the text's tables (`tables`,
   * named for errors), each table atomic; rejects with a TnetFailure when it fails (the failing table and
   * those after it unchanged).
   */
  restore(tables: FwTableName[], text: string, family?: FwFamily): Promise<void>;
  /** Watch mode: start the restore process of each family now, so that the next restore finds it ready. */
  prepare?(families?: FwFamily[]): void;
}

/** Configures links, addresses and routes inside namespaces, then seals their host ends. */
export interface LinkBackend {
  /** 'netlink': libexec/tnet-netlink.pl, one process for every namespace; 'ip': `nsenter … ip -batch` per namespace. */
  name: 'netlink' | 'ip';
  /**
   * Runs each namespace's actions in plan order (`jobs`, by namespace name), stopping at a namespace's first
   * failure; a seal is set only once its namespace's actions all went through, as it vouches for them.
   * 'unavailable': this backend cannot serve these jobs here (no perl, say) and changed nothing.
   */
  configure(jobs: ReadonlyMap<string, Action[]>, seals: SealAction[]): Promise<TnetError[] | 'unavailable'>;
  /**
   * Starts now the processes a later `configure` of the insides will use, idle on their input: an apply asks
   * while the host batch runs, so their start-up is paid then. The configure it returns uses them; `close`
   * lets those it did not use exit unused (an apply that stopped before the insides).
   */
  ready?(): ReadyLinks;
}

export interface ReadyLinks {
  configure: LinkBackend['configure'];
  close(): void;
}
