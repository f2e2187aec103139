// The host ports tnet chose for a spec's ports published without one, as its DNAT rules on the host say.

import type { DesiredEndpoint } from '../model/desired.js';
import type { FirewallObserved } from '../model/firewall.js';
import type { Spec } from '../model/spec.js';
import { effectivePorts, heldPortKey } from '../desired/allocate.js';
import { publishedRules } from '../observe/published.js';
import { specOwner } from '../ownership/rule-owner.js';

/**
 * By heldPortKey. `endpoints`: where the spec's containers are (a dry run's desired state, which keeps the
 * addresses the host holds); a port whose rule is not on the host is left out, and drawn as `?`.
 */
export function chosenHostPorts(spec: Spec, endpoints: readonly DesiredEndpoint[], firewall: FirewallObserved | null): Record<string, number> {
  const nat = firewall?.tables.find((t) => t.table === 'nat');
  const owner = specOwner(spec.name);
  // Ports go to the container's address on the network of its default route.
  const addressOf = new Map(endpoints.filter((e) => e.defaultRoute).map((e) => [e.container, e.address.split('/')[0]]));
  const rules = publishedRules(nat).filter((r) => r.owner === owner);
  const out: Record<string, number> = {};
  for (const c of Object.values(spec.containers)) {
    const ip = addressOf.get(c.name);
    if (!ip) continue;
    const explicit = new Set(effectivePorts(c).flatMap((p) => (p.hostPort === null ? [] : [`${p.proto}/${p.hostPort}`])));
    for (const p of effectivePorts(c)) {
      if (p.hostPort !== null) continue;
      // A rule of an explicit host port maps the same container port too ("8080:80" and "80"): not the chosen one.
      const r = rules.find((x) => x.toIp === ip && x.toPort === p.containerPort && x.proto === p.proto && !explicit.has(`${x.proto}/${x.hostPort}`));
      if (r) out[heldPortKey(c.name, p.proto, p.containerPort)] ??= r.hostPort;
    }
  }
  return out;
}
