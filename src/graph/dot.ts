// A graph as Graphviz DOT: quoted, escaped ids and labels, one cluster per spec.

import type { EdgeKind, Graph, NodeKind } from './graph.js';

const SHAPE: Record<NodeKind, string> = {
  bridge: 'shape=box3d, style=filled, fillcolor="#dbeafe"',
  overlay: 'shape=hexagon, style=filled, fillcolor="#ede9fe"',
  host: 'shape=cylinder',
  uplink: 'shape=parallelogram',
  hostns: 'shape=cylinder, style=dashed',
  container: 'shape=box, style="rounded,filled", fillcolor="#dcfce7"',
  port: 'shape=cds, style=filled, fillcolor="#fef3c7"',
};

/** The wires and the share have no direction to speak of; links and published ports do. */
const EDGE: Record<EdgeKind, string> = {
  network: 'dir=none',
  overlay: 'dir=none',
  peer: 'dir=none, style=dashed',
  uplink: 'dir=none',
  hostns: 'dir=none, style=dotted',
  share: 'style=dotted',
  link: 'style=bold',
  publish: '',
};

/** A DOT quoted string: `\` and `"` escaped (a lone `\` would start an escape such as \N or \l). */
export function dotString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, ' ')}"`;
}

/** Label lines joined by DOT's line break, each escaped on its own. */
const label = (lines: string[]) => `"${lines.map((l) => dotString(l).slice(1, -1)).join('\\n')}"`;

export function renderDot(g: Graph): string {
  const out = ['digraph tnet {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];'];
  const node = (indent: string, key: string) => {
    const n = g.nodes.find((x) => x.key === key)!;
    return `${indent}${dotString(n.key)} [label=${label(n.lines)}, ${SHAPE[n.kind]}];`;
  };
  g.groups.forEach((group) => {
    // Graphviz draws a subgraph as a box only when its name starts with `cluster`.
    out.push(`  subgraph ${dotString(`cluster ${group}`)} {`, `    label=${label([`spec ${group}`])};`);
    for (const n of g.nodes) if (n.group === group) out.push(node('    ', n.key));
    out.push('  }');
  });
  for (const n of g.nodes) if (n.group === null) out.push(node('  ', n.key));
  for (const e of g.edges) {
    const attrs = [`label=${label([e.label])}`, ...(EDGE[e.kind] ? [EDGE[e.kind]] : [])].join(', ');
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [${attrs}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
