// The firewall backend interface: read the tables as iptables-save text, apply one iptables-restore text.

import type { FwTableName } from '../model/firewall.js';

export interface FirewallBackend {
  /** 'nf_tables' | 'legacy' | 'none' */
  name: string;
  /** Every table, as one `iptables-save` prints them: one process however many tables tnet reads. */
  save(): Promise<string>;
  /** One atomic `iptables-restore --noflush`; rejects with a TnetFailure when it fails (nothing applied). */
  restore(table: FwTableName, text: string): Promise<void>;
}
