// What `tnet why` reads of the host: links, routes, the rules and their switches, the host's sockets, the
// spec's desired state (with -f) or tnet's marks, and SRC's namespace inside; assembled into a NetView.

import { readFileSync } from 'node:fs';
import { desire } from '../desired/desired.js';
import { specRuleCauses } from '../desired/causes.js';
import { held, heldAddresses, heldLinks } from '../desired/held.js';
import { endpointsFromDesired, endpointsFromMarks, netnsAliases, specAliases } from '../explain/view.js';
import { fail, ok, type Result } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import type { NetView, WhySpec } from '../model/why.js';
import { readListening } from '../observe/listening.js';
import { observeKernel, type KernelView } from '../observe/observe.js';
import { readNetns } from '../observe/netns.js';
import { readRules } from '../reconcile/firewall-read.js';

export interface WhyReads {
  view: NetView;
  kernel: KernelView;
  /** iptables could not be run: no rule was read. */
  noRules: boolean;
}

export async function readView(spec: Spec | null): Promise<Result<WhyReads>> {
  const kernel = await observeKernel();
  const links = kernel.host.links;
  const switches = ['net.bridge.bridge-nf-call-iptables', ...links.filter((l) => l.kind !== 'veth').map((l) => `net.ipv4.conf.${l.name}.route_localnet`)];
  const [firewall, listening] = await Promise.all([readRules(switches), readListening()]);
  const fromSpec = spec ? specView(spec, kernel, firewall) : ok(null);
  if (!fromSpec.ok) return fromSpec;
  const marked = endpointsFromMarks(links).filter((e) => e.spec !== spec?.name);
  const endpoints = [...(fromSpec.value?.endpoints ?? []), ...marked];
  const view: NetView = {
    links,
    routes: kernel.host.routes,
    ipForward: kernel.host.ipForward,
    firewall,
    listening,
    endpoints,
    aliases: { ...netnsAliases(kernel.listed, endpoints), ...(spec ? specAliases(spec) : {}) },
    netns: {},
    ephemeral: ephemeralPorts(),
    spec: fromSpec.value?.why ?? null,
  };
  return ok({ view, kernel, noRules: firewall === null });
}

/** The spec desired from what the kernel holds for it (addresses kept, host ports read back from the rules). */
function specView(spec: Spec, kernel: KernelView, firewall: NetView['firewall']): Result<{ why: WhySpec; endpoints: NetView['endpoints'] }> {
  const ips = heldAddresses(spec.name, kernel.host.links, {});
  const kept = held(spec, ips.v4, heldLinks(spec.name, kernel.host.links), firewall, [], ips.v6);
  const desired = desire({ spec, held: kept, hostResolv: '', firewall: firewall !== null });
  if (!desired.ok) return fail(...desired.errors);
  const causes = specRuleCauses(spec, kept);
  if (!causes.ok) return fail(...causes.errors);
  return ok({ why: { spec, desired: desired.value.firewall, causes: causes.value }, endpoints: endpointsFromDesired(desired.value) });
}

/** The view with a namespace read inside (SRC's), when it exists. */
export async function withNamespace(r: WhyReads, netns: string): Promise<NetView> {
  const listed = r.kernel.listed.filter((n) => n.name === netns);
  return { ...r.view, netns: { ...r.view.netns, ...(await readNetns(listed)) } };
}

function ephemeralPorts(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return [lo, hi];
  } catch {
    return [32768, 60999];
  }
}
