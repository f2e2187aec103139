// The spec's firewall rules with the field that writes each, allocated as desire allocates them (`tnet why`).

import { ok, type Result } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import { allocate, type Held } from './allocate.js';
import { DesireCache } from './cache.js';
import { firewallInput } from './firewall-input.js';
import { firewallCauses } from './firewall/rules.js';
import type { CausedChains } from '../model/firewall.js';

/** null with `host.iptables: false`: the spec writes no rule, so none of the host's is its. */
export function specRuleCauses(spec: Spec, held: Held): Result<CausedChains | null> {
  if (!spec.host.iptables) return ok(null);
  const alloc = allocate(spec, held);
  if (!alloc.ok) return alloc;
  return ok(firewallCauses(firewallInput(spec, alloc.value, new DesireCache())));
}
