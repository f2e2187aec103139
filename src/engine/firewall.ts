// Connects the firewall to a reconcile: its backend, its desired rules for a spec, what it holds, how it applies.

import type { FirewallApplier } from '../actuate/apply.js';
import type { FirewallBackend } from '../firewall/backend.js';
import { detectIptablesBackend } from '../firewall/iptables.js';
import { renderRestore } from '../firewall/restore.js';
import { desiredFirewall } from '../firewall/rules.js';
import { ownerOf, specOwner } from '../firewall/owner.js';
import { run } from '../util/exec.js';
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

/** The switches the rules may ask for: bridge netfilter, and route_localnet per bridge for 127.x ports. */
function sysctlKeys(spec: Spec): string[] {
  return ['net.bridge.bridge-nf-call-iptables', ...Object.keys(spec.bridges).map((b) => `net.ipv4.conf.${b}.route_localnet`)];
}

/**
 * With `host.iptables: false` tnet writes no rule: it only removes what an earlier apply of the spec wrote,
 * and does nothing at all on a host without iptables.
 */
export async function firewallFor(spec: Spec): Promise<FirewallGlue | null> {
  if (!spec.host.iptables && (await run('iptables', ['--version'])).code !== 0) return null;
  return glue(await detectIptablesBackend(), spec);
}

function glue(backend: FirewallBackend, spec: Spec): FirewallGlue {
  const ports = Object.values(spec.containers).flatMap((c) =>
    c.network.kind === 'bridge' ? [hostIfName(spec.name, c.name, c.network.bridge)] : [],
  );
  return {
    observe: () => observeFirewall(backend, { sysctls: sysctlKeys(spec), ports }),
    desired: (s, alloc) =>
      s.host.iptables ? desiredFirewall(firewallInput(s, alloc)) : { spec: s.name, tables: [], sysctls: {}, hairpinPorts: [] },
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
      if (m && name && ownerOf(rule) === owner) out[heldPortKey(name, m[1], Number(m[4]))] ??= Number(m[2]);
    }
  }
  return out;
}
