// The firewall backend interface: read the tables as iptables-save text, apply one iptables-restore text.

import type { FwTableName } from './firewall.js';

export interface FirewallBackend {
  /** 'nf_tables' | 'legacy' | 'none' */
  name: string;
  /** Every table, as one `iptables-save` prints them: one process however many tables tnet reads. */
  save(): Promise<string>;
  /**
   * One `iptables-restore --noflush` of the text's tables (`tables`, named for errors), each table atomic;
   * rejects with a TnetFailure when it fails (the failing table and those after it unchanged).
   */
  restore(tables: FwTableName[], text: string): Promise<void>;
  /** Watch mode: start the restore process now, so that the next restore finds it ready. */
  prepare?(): void;
}
