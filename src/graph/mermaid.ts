// A graph as a Mermaid flowchart, which Git forges render in Markdown: safe ids, quoted and escaped labels.

import type { EdgeKind, Graph, NodeKind } from './graph.js';

/** Id prefixes: none starts with `o` or `x`, which Mermaid would read as an edge's circle or cross end. */
const PREFIX: Record<NodeKind, string> = { bridge: 'br', overlay: 'vn', host: 'hs', uplink: 'up', hostns: 'hn', container: 'ct', port: 'pt' };

/** Shapes: [[bridge]], {{overlay}}, [(host)], [/uplink/], ([container]), >port]. */
const SHAPE: Record<NodeKind, [string, string]> = {
  bridge: ['[[', ']]'],
  overlay: ['{{', '}}'],
  host: ['[(', ')]'],
  uplink: ['[/', '/]'],
  hostns: ['[(', ')]'],
  container: ['(', ')'],
  port: ['>', ']'],
};

/** A plain line for the wire, dotted for a shared namespace, thick for a link, an arrow for the rest. */
const ARROW: Record<EdgeKind, string> = { network: '---', overlay: '---', peer: '---', uplink: '---', hostns: '-.-', share: '-.->', link: '==>', publish: '-->' };

const STYLE: Record<NodeKind, string> = {
  bridge: 'fill:#dbeafe,stroke:#1d4ed8',
  overlay: 'fill:#ede9fe,stroke:#6d28d9',
  host: 'fill:#f3f4f6,stroke:#4b5563',
  uplink: 'fill:#f3f4f6,stroke:#4b5563',
  hostns: 'fill:#f3f4f6,stroke:#4b5563',
  container: 'fill:#dcfce7,stroke:#15803d',
  port: 'fill:#fef3c7,stroke:#b45309',
};

/**
 * Ids of [A-Za-z0-9_] only, one per key: letters and digits stay, `_` doubles, any other byte is `_` and two
 * hex digits (`nginx-1` → `nginx_2d1`). Reversible, so two names never share an id.
 */
export function mermaidId(prefix: string, name: string): string {
  const body = [...Buffer.from(name, 'utf8')]
    .map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x5f ? '__' : `_${b.toString(16).padStart(2, '0')}`))
    .join('');
  return `${prefix}_${body}`;
}

/** Text inside a quoted label: what Mermaid or HTML would read as markup becomes an entity code (`#34;`). */
export function mermaidText(s: string): string {
  return s.replace(/[#"<>&|`\\\n\r]/g, (c) => (c === '\n' || c === '\r' ? ' ' : `#${c.charCodeAt(0)};`));
}

const label = (lines: string[]) => `"${lines.map(mermaidText).join('<br/>')}"`;

export function renderMermaid(g: Graph): string {
  const id = new Map(g.nodes.map((n) => [n.key, mermaidId(PREFIX[n.kind], n.key.slice(n.kind.length + 1))]));
  const out = ['flowchart LR'];
  const node = (key: string) => {
    const n = g.nodes.find((x) => x.key === key)!;
    const [open, close] = SHAPE[n.kind];
    return `${id.get(key)}${open}${label(n.lines)}${close}`;
  };
  for (const group of g.groups) {
    out.push(`  subgraph ${mermaidId('spec', group)} [${label([`spec ${group}`])}]`);
    for (const n of g.nodes) if (n.group === group) out.push(`    ${node(n.key)}`);
    out.push('  end');
  }
  for (const n of g.nodes) if (n.group === null) out.push(`  ${node(n.key)}`);
  for (const e of g.edges) out.push(`  ${id.get(e.from)} ${ARROW[e.kind]}|${label([e.label])}| ${id.get(e.to)}`);
  for (const kind of Object.keys(STYLE) as NodeKind[]) {
    const members = g.nodes.filter((n) => n.kind === kind).map((n) => id.get(n.key));
    if (members.length) out.push(`  classDef ${kind} ${STYLE[kind]}`, `  class ${members.join(',')} ${kind}`);
  }
  return `${out.join('\n')}\n`;
}
