// The firewall backend interface: read one table as iptables-save text, apply one iptables-restore text.

import type { FwTableName } from '../model/firewall.js';

export interface FirewallBackend {
  /** 'nf_tables' | 'legacy' | 'none' */
  name: string;
  save(table: FwTableName): Promise<string>;
  /** One atomic `iptables-restore --noflush`; rejects with a TnetFailure when it fails (nothing applied). */
  restore(table: FwTableName, text: string): Promise<void>;
}
