// The rules as they are, for a command that only reads them (`tnet why`): through the backend the host
// uses, with the switches asked for; null on a host where no iptables runs.

import { detectVariant, iptablesBackend } from '../actuate/firewall/iptables.js';
import type { FirewallObserved } from '../model/firewall.js';
import { observeFirewall } from '../observe/firewall.js';
import { run } from '../util/exec.js';

export async function readRules(sysctls: string[]): Promise<FirewallObserved | null> {
  if ((await run('iptables', ['--version'])).code !== 0) return null;
  const { variant, saved } = await detectVariant();
  const backend = iptablesBackend(variant);
  backend.prime(saved);
  try {
    return await observeFirewall(backend, { sysctls });
  } finally {
    backend.close();
  }
}
