// The backend for host.iptables false: reads an empty rule set and writes nothing.

import type { FirewallBackend } from '../../model/backends.js';

export const noneBackend: FirewallBackend = {
  name: 'none',
  save: async () => '',
  restore: async () => undefined,
};
