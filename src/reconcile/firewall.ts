// Connects the firewall to a reconcile: its backend, its desired rules for a spec, what it holds, how it applies.

import type { FirewallApplier } from '../actuate/apply.js';
import type { FirewallBackend } from '../model/backends.js';
import { detectIptablesBackend, iptablesBackend, type IptablesVariant } from '../actuate/firewall/iptables.js';
import { renderRestore } from '../actuate/firewall/restore.js';
import { desiredFirewall } from '../desired/firewall/rules.js';
import { netnsOfKey } from '../ownership/marks.js';
import { specOwner } from '../ownership/rule-owner.js';
import { publishedRules } from '../observe/published.js';
import { run } from '../util/exec.js';
import { TnetFailure } from '../model/errors.js';
import type { FirewallDesired, FirewallObserved } from '../model/firewall.js';
import type { Spec } from '../model/spec.js';
import { observeFirewall } from '../observe/firewall.js';
import { effectivePorts, heldPortKey, type Allocation } from '../desired/allocate.js';
import { firewallInput } from '../desired/firewall-input.js';

export interface FirewallGlue extends FirewallApplier {
  /** What observe() reads (backend, switches): two glues with equal `reads` observe the same. */
  reads: string;
  /** Start the process the next apply will use (watch mode, while an edit settles). */
  prepare(): void;
  observe(): Promise<FirewallObserved>;
  desired(spec: Spec, alloc: Allocation): FirewallDesired;
  /** Host ports the spec's DNAT rules already use, so ephemeral ports stay put across applies. */
  heldPorts(observed: FirewallObserved | null, ips: Record<string, string>): Record<string, number>;
  /** Host ports other specs' DNAT rules use (`proto/port`), so ephemeral ports do not take them. */
  takenPorts(observed: FirewallObserved | null): string[];
}

/** The switches the rules may ask for: bridge netfilter, and route_localnet per bridge for 127.x ports. */
function sysctlKeys(spec: Spec): string[] {
  return ['net.bridge.bridge-nf-call-iptables', ...Object.keys(spec.bridges).map((b) => `net.ipv4.conf.${b}.route_localnet`)];
}

/**
 * With `host.iptables: false` tnet writes no rule: it only removes what an earlier apply of the spec wrote,
 * and does nothing at all on a host without iptables.
 */
export async function firewallFor(spec: Spec, redetect = true): Promise<FirewallGlue | null> {
  if (!spec.host.iptables && (await run('iptables', ['--version'])).code !== 0) return null;
  return glue(await backendFor(redetect), spec);
}

/** firewallFor without detection, when the backend is known already: at once, so reads start at once. */
export function knownFirewall(spec: Spec): FirewallGlue | null {
  return spec.host.iptables && lastVariant ? glue(iptablesBackend(lastVariant), spec) : null;
}

// A long-running watch asks again only on its deep passes (start, resync): detecting reads every rule twice.
let lastVariant: IptablesVariant | null = null;

async function backendFor(redetect: boolean): Promise<FirewallBackend> {
  if (!redetect && lastVariant) return iptablesBackend(lastVariant);
  const backend = await detectIptablesBackend();
  lastVariant = backend.name as IptablesVariant;
  return backend;
}

function glue(backend: FirewallBackend, spec: Spec): FirewallGlue {
  return {
    reads: JSON.stringify([backend.name, sysctlKeys(spec)]),
    prepare: () => backend.prepare?.(),
    observe: () => observeFirewall(backend, { sysctls: sysctlKeys(spec) }),
    desired: (s, alloc) =>
      s.host.iptables ? desiredFirewall(firewallInput(s, alloc)) : { spec: s.name, tables: [], sysctls: {}, hairpinPorts: [] },
    heldPorts: (observed, ips) => heldPorts(spec, observed, ips),
    takenPorts: (observed) => takenPorts(spec.name, observed),
    apply: async (updates) => {
      try {
        await backend.restore(updates.map((u) => u.table), updates.map((u) => renderRestore(u.table, u.update)).join(''));
        return [];
      } catch (e) {
        if (e instanceof TnetFailure) return e.errors;
        throw e;
      }
    },
  };
}

const natOf = (observed: FirewallObserved | null) => observed?.tables.find((t) => t.table === 'nat');

/**
 * The host ports tnet chose earlier, read back from the spec's DNAT rules. Rules of explicit host ports
 * are skipped: with "8080:80" and "80" on one container both map to port 80, and only the second was chosen.
 */
function heldPorts(spec: Spec, observed: FirewallObserved | null, ips: Record<string, string>): Record<string, number> {
  // Keyed by endpoint (`<container>/<network>` past eth0): ports belong to the container.
  const byIp = new Map(Object.entries(ips).map(([key, ip]) => [ip, netnsOfKey(key)]));
  const owner = specOwner(spec.name);
  const explicit = new Set(
    Object.values(spec.containers).flatMap((c) => effectivePorts(c).flatMap((p) => (p.hostPort === null ? [] : [`${p.proto}/${p.hostPort}`]))),
  );
  const out: Record<string, number> = {};
  for (const p of publishedRules(natOf(observed))) {
    const name = byIp.get(p.toIp);
    if (name && p.owner === owner && !explicit.has(`${p.proto}/${p.hostPort}`)) out[heldPortKey(name, p.proto, p.toPort)] ??= p.hostPort;
  }
  return out;
}

/** `proto/port` of the host ports other specs publish: this spec's ephemeral ports must avoid them. */
function takenPorts(spec: string, observed: FirewallObserved | null): string[] {
  const owner = specOwner(spec);
  return publishedRules(natOf(observed))
    .filter((p) => p.owner !== owner)
    .map((p) => `${p.proto}/${p.hostPort}`);
}
