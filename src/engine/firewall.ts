// Connects the firewall to a reconcile: its backend, its desired rules for a spec, what it holds, how it applies.

import type { FirewallApplier } from '../actuate/apply.js';
import type { FirewallBackend } from '../firewall/backend.js';
import { detectIptablesBackend } from '../firewall/iptables.js';
import { renderRestore } from '../firewall/restore.js';
import { desiredFirewall } from '../firewall/rules.js';
import { specOwner } from '../firewall/owner.js';
import { TnetFailure } from '../model/errors.js';
import type { FirewallDesired, FirewallObserved } from '../model/firewall.js';
import type { Spec } from '../model/spec.js';
import { observeFirewall } from '../observe/firewall.js';
import { heldPortKey, type Allocation } from '../reconcile/allocate.js';
import { firewallInput } from '../reconcile/firewall-input.js';
import { hostIfName } from '../reconcile/marks.js';

export interface FirewallGlue extends FirewallApplier {
  observe(): Promise<FirewallObserved>;
  desired(spec: Spec, alloc: Allocation): FirewallDesired;
  /** Host ports the spec's DNAT rules already use, so ephemeral ports stay put across applies. */
  heldPorts(observed: FirewallObserved | null, ips: Record<string, string>): Record<string, number>;
}

const SYSCTLS = ['net.bridge.bridge-nf-call-iptables', 'net.ipv4.conf.all.route_localnet'];

/** null when the spec turns iptables off: then tnet neither reads nor writes a rule. */
export async function firewallFor(spec: Spec): Promise<FirewallGlue | null> {
  if (!spec.host.iptables) return null;
  const backend = await detectIptablesBackend();
  return glue(backend, spec);
}

function glue(backend: FirewallBackend, spec: Spec): FirewallGlue {
  const ports = Object.values(spec.containers).flatMap((c) =>
    c.network.kind === 'bridge' ? [hostIfName(spec.name, c.name, c.network.bridge)] : [],
  );
  return {
    observe: () => observeFirewall(backend, { sysctls: SYSCTLS, ports }),
    desired: (s, alloc) => desiredFirewall(firewallInput(s, alloc)),
    heldPorts: (observed, ips) => heldPorts(spec.name, observed, ips),
    apply: async (table, update) => {
      try {
        await backend.restore(table, renderRestore(table, update));
        return [];
      } catch (e) {
        if (e instanceof TnetFailure) return e.errors;
        throw e;
      }
    },
  };
}

const DNAT = /-p (\w+) .*--dport (\d+) .*-j DNAT --to-destination ([\d.]+):(\d+)/;

function heldPorts(spec: string, observed: FirewallObserved | null, ips: Record<string, string>): Record<string, number> {
  const byIp = new Map(Object.entries(ips).map(([name, ip]) => [ip, name]));
  const owner = specOwner(spec);
  const out: Record<string, number> = {};
  const nat = observed?.tables.find((t) => t.table === 'nat');
  for (const chain of Object.values(nat?.chains ?? {})) {
    for (const rule of chain.rules) {
      const m = DNAT.exec(rule);
      const name = m && byIp.get(m[3]);
      if (m && name && rule.includes(owner)) out[heldPortKey(name, m[1], Number(m[4]))] ??= Number(m[2]);
    }
  }
  return out;
}
