// The network drawn as data: nodes, edges and their kinds, in one order however the input was listed.

export type NodeKind = 'bridge' | 'overlay' | 'host' | 'uplink' | 'hostns' | 'container' | 'port';

/**
 * network: a container's interface on a bridge; overlay: a bridge's VXLAN device; peer: a host of an overlay;
 * uplink: a host interface enslaved to a bridge; hostns: a `network: host` container; share: `container:X`;
 * link: a legacy link; publish: a host port forwarded to a container.
 */
export type EdgeKind = 'network' | 'overlay' | 'peer' | 'uplink' | 'hostns' | 'share' | 'link' | 'publish';

export interface GraphNode {
  /** Unique in the graph: `<kind>:<name>` (ports: `port:<container>/<proto>/<port>/<index>`). */
  key: string;
  kind: NodeKind;
  /** The first line of its label; the next ones say what else is known (subnet, address, mode). */
  lines: string[];
  /** The spec it belongs to; null for what several specs may share (an overlay's hosts, the host's network). */
  group: string | null;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label: string;
}

export interface Graph {
  groups: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const NODE_ORDER: readonly NodeKind[] = ['bridge', 'overlay', 'host', 'uplink', 'hostns', 'container', 'port'];
const EDGE_ORDER: readonly EdgeKind[] = ['network', 'overlay', 'peer', 'uplink', 'hostns', 'share', 'link', 'publish'];

export const nodeKey = (kind: NodeKind, name: string): string => `${kind}:${name}`;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The graph in its one order (groups by name, nodes by group, kind and key, edges by kind and ends), with
 * repeated nodes and edges dropped (the first kept) and edges to nodes it does not hold left out: two
 * renderings of the same network are the same text.
 */
export function finish(nodes: GraphNode[], edges: GraphEdge[]): Graph {
  const byKey = new Map<string, GraphNode>();
  for (const n of nodes) if (!byKey.has(n.key)) byKey.set(n.key, n);
  const kept = [...byKey.values()].sort(
    (a, b) => cmp(a.group ?? '', b.group ?? '') || NODE_ORDER.indexOf(a.kind) - NODE_ORDER.indexOf(b.kind) || cmp(a.key, b.key),
  );
  const seen = new Set<string>();
  const links = edges
    .filter((e) => byKey.has(e.from) && byKey.has(e.to))
    .filter((e) => {
      const id = JSON.stringify([e.kind, e.from, e.to, e.label]);
      return !seen.has(id) && Boolean(seen.add(id));
    })
    .sort((a, b) => EDGE_ORDER.indexOf(a.kind) - EDGE_ORDER.indexOf(b.kind) || cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.label, b.label));
  const groups = [...new Set(kept.flatMap((n) => (n.group === null ? [] : [n.group])))].sort(cmp);
  return { groups, nodes: kept, edges: links };
}
