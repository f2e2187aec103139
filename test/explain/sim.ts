// A host as `tnet apply` leaves it for a spec, built without root: the spec's desired state becomes the
// observed links, routes, namespaces and the rules as iptables-save prints them, for `why` to trace on.

import * as assert from 'uvu/assert';
import { desire } from '../../src/desired/desired.js';
import { specRuleCauses } from '../../src/desired/causes.js';
import { appliedFirewall } from '../../src/explain/applied.js';
import { resolveQuery, parseTarget } from '../../src/explain/ends.js';
import { endpointsFromDesired, specAliases } from '../../src/explain/view.js';
import { why } from '../../src/explain/why.js';
import type { DesiredState } from '../../src/model/desired.js';
import type { FirewallObserved, FwTableObserved } from '../../src/model/firewall.js';
import type { ObservedNetns, ObservedRoute } from '../../src/model/observed.js';
import type { NetView, WhyTrace } from '../../src/model/why.js';
import { parseSources } from '../../src/spec/load.js';
import { link } from '../helpers/fixtures.js';

export const HOST_IP = '198.18.0.1';
export const OUTSIDE_IP = '198.18.0.2';
export const OTHER_HOST_IP = '198.19.0.1';

const BUILTINS: Record<'filter' | 'nat', string[]> = { filter: ['INPUT', 'FORWARD', 'OUTPUT'], nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] };

export function emptyFirewall(): FirewallObserved {
  const table = (t: 'filter' | 'nat'): FwTableObserved => ({ table: t, chains: Object.fromEntries(BUILTINS[t].map((c) => [c, { policy: 'ACCEPT', rules: [] }])) });
  return { backend: 'nf_tables', tables: [table('filter'), table('nat')], sysctls: { 'net.bridge.bridge-nf-call-iptables': '1' } };
}

/** The spec applied on a host with an uplink to an outside host, as the e2e sandbox has it. */
export function applied(yaml: string): NetView {
  const parsed = parseSources([{ file: 'sim.yaml', text: yaml }], 'sim');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const spec = parsed.value;
  const held = { ips: {}, hostPorts: {} };
  const d = desire({ spec, held, hostResolv: '', firewall: true });
  if (!d.ok) throw new Error(JSON.stringify(d.errors));
  const causes = specRuleCauses(spec, held);
  assert.ok(causes.ok);
  const endpoints = endpointsFromDesired(d.value);
  return {
    links: hostLinks(d.value),
    routes: hostRoutes(d.value),
    ipForward: true,
    firewall: d.value.firewall ? appliedFirewall(emptyFirewall(), d.value.firewall) : emptyFirewall(),
    listening: [],
    endpoints,
    aliases: specAliases(spec),
    netns: namespaces(d.value),
    ephemeral: [32768, 60999],
    spec: { spec, desired: d.value.firewall, causes: causes.ok ? causes.value : null },
  };
}

function hostLinks(d: DesiredState) {
  const hairpin = new Set(d.firewall?.hairpinPorts ?? []);
  return [
    link({ name: 'lo', addrs: ['127.0.0.1/8'] }),
    link({ name: 'uplink', kind: 'veth', addrs: [`${HOST_IP}/24`, `${OTHER_HOST_IP}/32`] }),
    ...d.bridges.map((b) => link({ name: b.name, kind: 'bridge', addrs: b.address ? [b.address] : [], alias: b.mark })),
    ...d.endpoints.map((e) => link({ name: e.hostIf, kind: 'veth', master: e.bridge, alias: e.seal, hairpin: hairpin.has(e.hostIf) })),
  ];
}

function hostRoutes(d: DesiredState): ObservedRoute[] {
  const route = (dst: string, dev: string): ObservedRoute => ({ dst, gateway: null, dev, protocol: 'kernel' });
  return [route('198.18.0.0/24', 'uplink'), ...d.bridges.map((b) => route(b.subnet, b.name))];
}

function namespaces(d: DesiredState): Record<string, ObservedNetns> {
  const out: Record<string, ObservedNetns> = {};
  for (const e of d.endpoints) {
    const ns = (out[e.netns] ??= { name: e.netns, id: `4:${e.netns}`, read: true, mark: null, links: [link({ name: 'lo', addrs: ['127.0.0.1/8'] })], routes: [] });
    ns.links.push(link({ name: e.ifname, kind: 'veth', addrs: [e.address] }));
    const net = d.bridges.find((b) => b.name === e.bridge)!.subnet;
    ns.routes.push({ dst: net, gateway: null, dev: e.ifname, protocol: 'kernel' });
    if (e.defaultRoute) ns.routes.push({ dst: 'default', gateway: e.gateway, dev: e.ifname, protocol: 'boot' });
  }
  return out;
}

/** `tnet why SRC DST` on a view. */
export function whyOn(view: NetView, src: string, dst: string): WhyTrace {
  const target = parseTarget(dst);
  assert.ok(target, `bad target ${dst}`);
  const q = resolveQuery(view, src, target!);
  if (!q.ok) throw new Error(q.errors.map((e) => e.message).join('; '));
  return why(view, q.value);
}
