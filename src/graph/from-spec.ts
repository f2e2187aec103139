// The graph of a spec: its bridges, overlays and their hosts, containers, shares, links and published ports.

import type { ContainerSpec, PortMapping, Spec } from '../model/spec.js';
import { effectivePorts, heldPortKey } from '../desired/allocate.js';
import { EPHEMERAL_RANGE, portFamilies } from '../spec/ports.js';
import { finish, nodeKey, type Graph, type GraphEdge, type GraphNode } from './graph.js';

/** The host's own network, where `network: host` containers live. */
export const HOST_NETWORK = nodeKey('hostns', 'host network');

/**
 * `hostPorts`: the host ports tnet chose for ports published without one (`"80"`), read from the host
 * (ports.ts), by heldPortKey; a port not there is drawn as `?`.
 */
export function specGraph(spec: Spec, hostPorts: Readonly<Record<string, number>> = {}): Graph {
  const group = spec.name;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const b of Object.values(spec.bridges)) {
    const flags = [b.external ? 'external' : '', b.internal ? 'internal' : '', b.icc ? '' : 'icc off'].filter(Boolean);
    const lines = [b.name, b.subnet, ...(b.subnet6 ? [b.subnet6] : []), ...(flags.length ? [flags.join(', ')] : [])];
    nodes.push({ key: nodeKey('bridge', b.name), kind: 'bridge', lines, group });
    if (b.uplink) {
      nodes.push({ key: nodeKey('uplink', b.uplink), kind: 'uplink', lines: [b.uplink, 'uplink'], group });
      edges.push({ from: nodeKey('uplink', b.uplink), to: nodeKey('bridge', b.name), kind: 'uplink', label: 'enslaved' });
    }
  }
  for (const o of Object.values(spec.overlays)) {
    const key = nodeKey('overlay', o.name);
    nodes.push({ key, kind: 'overlay', lines: [o.name, `VXLAN ${o.vni}`, o.subnet, ...(o.subnet6 ? [o.subnet6] : [])], group });
    // This host's part of the overlay is a bridge of the same name (spec/place.ts).
    if (spec.bridges[o.name]?.overlay) edges.push({ from: nodeKey('bridge', o.name), to: key, kind: 'overlay', label: `vx-${o.name}` });
    const local = spec.bridges[o.name]?.overlay?.local;
    for (const [h, at] of Object.entries(o.hosts)) {
      const lines = [h, `underlay ${at.underlay}`, ...(at.underlay === local ? ['this host'] : [])];
      nodes.push({ key: nodeKey('host', h), kind: 'host', lines, group: null });
      edges.push({ from: key, to: nodeKey('host', h), kind: 'peer', label: [at.ipRange, ...(at.ipRange6 ? [at.ipRange6] : [])].join(' ') });
    }
  }
  for (const c of Object.values(spec.containers)) container(spec, c, hostPorts, nodes, edges);
  return finish(nodes, edges);
}

function container(spec: Spec, c: ContainerSpec, hostPorts: Readonly<Record<string, number>>, nodes: GraphNode[], edges: GraphEdge[]): void {
  const key = nodeKey('container', c.name);
  const kind = c.network.kind;
  const lines = [c.name];
  if (c.hostname !== c.name && kind !== 'container') lines.push(`hostname ${c.hostname}`);
  if (kind === 'none' || kind === 'host') lines.push(`network: ${kind}`);
  if (c.netns) lines.push(`netns ${c.netns}`);
  nodes.push({ key, kind: 'container', lines, group: spec.name });
  c.networks.forEach((e, i) => {
    const label = [`eth${i}`, ...(e.ip ? [e.ip] : []), ...(e.ip6 ? [e.ip6] : [])].join(' ');
    edges.push({ from: key, to: nodeKey(spec.overlays[e.network] && !spec.bridges[e.network] ? 'overlay' : 'bridge', e.network), kind: 'network', label });
  });
  if (c.network.kind === 'container') edges.push({ from: key, to: nodeKey('container', c.network.target), kind: 'share', label: `container:${c.network.target}` });
  if (c.network.kind === 'host') {
    nodes.push({ key: HOST_NETWORK, kind: 'hostns', lines: ['host network'], group: null });
    edges.push({ from: key, to: HOST_NETWORK, kind: 'hostns', label: 'network: host' });
  }
  for (const l of c.links) edges.push({ from: key, to: nodeKey('container', l.target), kind: 'link', label: `link ${l.alias}` });
  const bridge = c.network.kind === 'bridge' ? spec.bridges[c.network.bridge] : undefined;
  effectivePorts(c).forEach((p, i) => {
    const port = p.hostPort ?? hostPorts[heldPortKey(c.name, p.proto, p.containerPort)] ?? null;
    // Published on IPv6 only where the container has an IPv6 address: on a dual-stack bridge.
    const families = portFamilies(p).filter((f) => f === 4 || Boolean(bridge?.subnet6));
    const pkey = nodeKey('port', `${c.name}/${p.proto}/${p.containerPort}/${i}`);
    nodes.push({ key: pkey, kind: 'port', lines: families.map((f) => `${hostAddress(p, f)}:${port ?? unknownPort(p)}/${p.proto}`), group: spec.name });
    edges.push({ from: pkey, to: key, kind: 'publish', label: `${p.containerPort}/${p.proto}` });
  });
}

function hostAddress(p: PortMapping, family: 4 | 6): string {
  const ip = p.hostIp ?? (family === 4 ? '0.0.0.0' : '::');
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** A port tnet picks: `?`, with the range it is picked from unless that is Docker's ephemeral one. */
function unknownPort(p: PortMapping): string {
  const r = p.hostRange;
  return r && (r[0] !== EPHEMERAL_RANGE[0] || r[1] !== EPHEMERAL_RANGE[1]) ? `?(${r[0]}-${r[1]})` : '?';
}
