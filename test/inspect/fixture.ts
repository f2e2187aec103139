// A spec for the inspect tests, its desired state, and the kernel holding exactly that (or less).

import type { DesiredState } from '../../src/model/desired.js';
import type { FirewallObserved } from '../../src/model/firewall.js';
import type { ObservedLink, ObservedNetns, ObservedState } from '../../src/model/observed.js';
import type { Spec } from '../../src/model/spec.js';
import { desire } from '../../src/desired/desired.js';
import { parseSources } from '../../src/spec/load.js';
import { emptyObserved, link, netns } from '../helpers/fixtures.js';

/** A dual-stack bridge; web publishes an ephemeral port, a range and an explicit one on the same container port. */
export const DEMO = `version: 1
name: demo
bridges:
  br6:
    subnet: 10.60.0.0/24
    subnet6: fd00:60::/64
containers:
  web:
    networks:
      br6: {aliases: [www]}
    ports: ["80", "8080:80", "8000-8010:90", "127.0.0.1::91/udp"]
    links: ["db:database"]
  db: { bridge: br6 }
  side: { network: "container:web" }
  tools: { network: host }
`;

/** `host`: the host whose part of the spec it is (overlays, containers placed with host:). */
export function spec(yaml = DEMO, host?: string): Spec {
  const r = parseSources([{ file: 'demo.yaml', text: yaml }], 'demo', host);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.value;
}

export function desiredOf(s: Spec): DesiredState {
  const d = desire({ spec: s, held: { ips: {}, hostPorts: {} }, hostResolv: 'nameserver 192.0.2.1\n', firewall: true });
  if (!d.ok) throw new Error(d.errors[0].message);
  return d.value;
}

/** The rules a desired state asks for, as iptables-save would give them back. */
export function firewallOf(d: DesiredState): FirewallObserved {
  const read = (tables: NonNullable<DesiredState['firewall']>['tables']) => tables.map((t) => ({
    table: t.table,
    chains: Object.fromEntries(Object.entries(t.chains).map(([name, rules]) => [name, { policy: null, rules }])),
  }));
  // ip6tables-save's tables beside iptables-save's: the dual-stack bridge's IPv6 rules are there too.
  return { backend: 'nf_tables', tables: read(d.firewall?.tables ?? []), tables6: read(d.firewall?.tables6 ?? []), sysctls: { ...d.firewall?.sysctls } };
}

/** The kernel holding what `d` asks, but for the containers named in `without` (their namespace and veths gone). */
export function converged(d: DesiredState, without: string[] = []): ObservedState {
  const links: ObservedLink[] = d.bridges.map((b, i) =>
    link({ name: b.name, ifindex: 10 + i, kind: 'bridge', mac: b.mac ?? '', mtu: b.mtu, alias: b.mark, addrs: b.address ? [b.address] : [], addrs6: b.address6 ? [b.address6] : [] }),
  );
  const spaces: Record<string, ObservedNetns> = {};
  d.endpoints.forEach((e, i) => {
    if (without.includes(e.container)) return;
    const index = 100 + i;
    const hairpin = d.firewall?.hairpinPorts.includes(e.hostIf) ?? false;
    links.push(link({ name: e.hostIf, ifindex: index, kind: 'veth', master: e.bridge, alias: e.seal, peerIfindex: 2, peerNetnsId: i, hairpin }));
    const inside = link({ name: e.ifname, ifindex: 2, kind: 'veth', mac: e.mac, peerIfindex: index, addrs: [e.address], addrs6: e.address6 ? [e.address6] : [] });
    const routes = [{ dst: 'default', gateway: e.gateway, dev: e.ifname, protocol: 'boot' }];
    const routes6 = e.gateway6 ? [{ dst: 'default', gateway: e.gateway6, dev: e.ifname, protocol: 'boot' }] : [];
    spaces[e.netns] = netns({ name: e.netns, mark: `tnet:${d.spec}/netns/${e.netns}`, links: [link({ name: 'lo' }), inside], routes, routes6 });
  });
  for (const n of d.netns) {
    if (n.kind === 'alias' && !without.includes(n.target)) spaces[n.name] = { ...spaces[n.target], name: n.name };
  }
  const files = Object.fromEntries(d.files.filter((f) => !without.some((w) => f.path.includes(`/${w}/`))).map((f) => [f.path, f.content]));
  const fileDirs = d.fileDirs.filter((dir) => !without.some((w) => dir.endsWith(`/${w}`)));
  return emptyObserved({ links, netns: spaces, files, fileDirs, firewall: firewallOf(d) });
}
