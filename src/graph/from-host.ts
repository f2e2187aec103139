// The graph of what tnet owns on the host, from its marks: bridges, VXLAN peers, uplinks, containers, ports.

import type { ObservedState } from '../model/observed.js';
import { netnsOfKey, parseMark, parseSeal } from '../ownership/marks.js';
import { specOfOwner } from '../ownership/rule-owner.js';
import { publishedRules } from '../observe/published.js';
import { finish, nodeKey, type Graph, type GraphEdge, type GraphNode } from './graph.js';

/**
 * Only what the kernel says: links and `network: host` containers are not on the host as objects of their
 * own, and a container's ports are the IPv4 DNAT rules tnet wrote for it.
 */
export function hostGraph(observed: ObservedState): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const containers = new Map<string, { group: string; lines: string[] }>();
  const containerAt = new Map<string, string>(); // `<spec> <ip>` → container
  /** Bridges the veths are enslaved to: an `external: true` one carries no mark of tnet's. */
  const masters = new Map<string, string>();
  const seeContainer = (group: string, name: string, line?: string) => {
    const c = containers.get(name) ?? { group, lines: [name] };
    if (line && !c.lines.includes(line)) c.lines.push(line);
    containers.set(name, c);
  };
  for (const l of observed.links) {
    const m = l.owner;
    if (!m) continue;
    const group = m.spec;
    if (m.kind === 'bridge') {
      nodes.push({ key: nodeKey('bridge', l.name), kind: 'bridge', lines: [l.name, ...l.addrs, ...(l.addrs6 ?? [])], group });
    } else if (m.kind === 'vxlan') {
      const key = nodeKey('overlay', m.name);
      nodes.push({ key, kind: 'overlay', lines: [m.name, ...(l.vxlan ? [`VXLAN ${l.vxlan.vni}`] : [])], group });
      if (l.master) edges.push({ from: nodeKey('bridge', l.master), to: key, kind: 'overlay', label: l.name });
      for (const f of observed.fdb.filter((x) => x.dev === l.name)) {
        nodes.push({ key: nodeKey('host', f.dst), kind: 'host', lines: [`underlay ${f.dst}`], group: null });
        edges.push({ from: key, to: nodeKey('host', f.dst), kind: 'peer', label: 'peer' });
      }
    } else if (m.kind === 'uplink') {
      nodes.push({ key: nodeKey('uplink', l.name), kind: 'uplink', lines: [l.name, 'uplink'], group });
      edges.push({ from: nodeKey('uplink', l.name), to: nodeKey('bridge', m.name), kind: 'uplink', label: 'enslaved' });
    } else if (m.kind === 'veth') {
      // The endpoint key: the container for eth0, `<container>/<network>` past it (ownership/marks.ts).
      const name = netnsOfKey(m.name);
      const seal = parseSeal(l.alias);
      seeContainer(group, name);
      const addrs = seal ? [seal.address, ...(seal.address6 ? [seal.address6] : [])] : [];
      for (const a of addrs) containerAt.set(`${group} ${a.split('/')[0]}`, name);
      if (l.master) edges.push({ from: nodeKey('container', name), to: nodeKey('bridge', l.master), kind: 'network', label: [l.name, ...addrs].join(' ') });
      if (l.master) masters.set(l.master, group);
    }
  }
  for (const ns of Object.values(observed.netns)) {
    const m = parseMark(ns.mark);
    if (!m) continue;
    if (m.name !== ns.name) {
      // A second name of another container's namespace: `network: container:X`.
      seeContainer(m.spec, ns.name);
      edges.push({ from: nodeKey('container', ns.name), to: nodeKey('container', m.name), kind: 'share', label: `container:${m.name}` });
      continue;
    }
    seeContainer(m.spec, ns.name, m.kind === 'netns-attached' ? 'netns attached' : undefined);
    for (const a of ns.links.find((l) => l.name === 'eth0')?.addrs ?? []) containerAt.set(`${m.spec} ${a.split('/')[0]}`, ns.name);
  }
  const owned = new Set(nodes.filter((n) => n.kind === 'bridge').map((n) => n.key));
  for (const [name, group] of masters) {
    if (!owned.has(nodeKey('bridge', name))) nodes.push({ key: nodeKey('bridge', name), kind: 'bridge', lines: [name, 'external'], group });
  }
  for (const [name, c] of containers) nodes.push({ key: nodeKey('container', name), kind: 'container', lines: c.lines, group: c.group });
  for (const p of publishedRules(observed.firewall?.tables.find((t) => t.table === 'nat'))) {
    const spec = specOfOwner(p.owner);
    const name = spec === null ? undefined : containerAt.get(`${spec} ${p.toIp}`);
    if (spec === null || name === undefined) continue;
    const key = nodeKey('port', `${name}/${p.proto}/${p.toPort}/${p.hostIp ?? '0.0.0.0'}:${p.hostPort}`);
    nodes.push({ key, kind: 'port', lines: [`${p.hostIp ?? '0.0.0.0'}:${p.hostPort}/${p.proto}`], group: spec });
    edges.push({ from: key, to: nodeKey('container', name), kind: 'publish', label: `${p.toPort}/${p.proto}` });
  }
  return finish(nodes, edges);
}
