// The layout's invariants, read from the source: no import cycle between files or folders, and each stage
// imports only the stages before it (ARCHITECTURE.md draws the same table).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';

/** The checkout's TypeScript sources: the tests run from the checkout's root. */
const SRC = resolve('src');

/** Who may import whom: a folder imports itself and the folders listed, nothing else. */
const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  model: [],
  ownership: ['model', 'util'],
  spec: ['model', 'ownership', 'util'],
  observe: ['model', 'ownership', 'util'],
  dns: ['model', 'ownership', 'util'],
  desired: ['model', 'ownership', 'spec', 'observe', 'util'],
  plan: ['model', 'ownership', 'desired', 'observe', 'util'],
  inspect: ['model', 'ownership', 'spec', 'observe', 'desired', 'plan', 'util'],
  graph: ['model', 'ownership', 'spec', 'observe', 'desired', 'util'],
  explain: ['model', 'ownership', 'spec', 'desired', 'observe', 'util'],
  actuate: ['model', 'ownership', 'util'],
  reconcile: ['model', 'ownership', 'spec', 'observe', 'desired', 'plan', 'actuate', 'util'],
  render: ['model', 'ownership', 'actuate', 'inspect', 'util'],
  watch: ['model', 'ownership', 'spec', 'observe', 'actuate', 'reconcile', 'render', 'util'],
  cli: ['model', 'ownership', 'spec', 'observe', 'desired', 'plan', 'inspect', 'explain', 'reconcile', 'render', 'watch', 'graph', 'util'],
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Static imports, re-exports and dynamic import()s of relative modules, as files of src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specs.map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const files = walk(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folderOf = (f: string) => relative(SRC, f).split('/')[0];

/** Strongly connected components of more than one node (or a node importing itself): the cycles. */
function cycles(nodes: string[], edges: (n: string) => string[]): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges(v)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      on.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || edges(v).includes(v)) out.push(scc);
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}

test('every relative import names a file of src/', () => {
  const missing = files.flatMap((f) => graph.get(f)!.filter((t) => !graph.has(t)).map((t) => `${relative(SRC, f)} -> ${relative(SRC, t)}`));
  assert.equal(missing, []);
});

test('no import cycle between files', () => {
  const found = cycles(files, (f) => graph.get(f)!.filter((t) => graph.has(t)));
  assert.equal(found.map((c) => c.map((f) => relative(SRC, f))), []);
});

test('no import cycle between folders, and each folder imports only the stages before it', () => {
  const folders = [...new Set(files.map(folderOf))].sort();
  assert.equal(folders, Object.keys(MAY_IMPORT).sort(), 'every folder of src/ has its row in MAY_IMPORT');
  const edges = new Map<string, Set<string>>(folders.map((d) => [d, new Set()]));
  const wrong: string[] = [];
  for (const [f, targets] of graph) {
    for (const t of targets) {
      const [a, b] = [folderOf(f), folderOf(t)];
      if (a === b) continue;
      edges.get(a)!.add(b);
      if (!MAY_IMPORT[a].includes(b)) wrong.push(`${relative(SRC, f)} -> ${relative(SRC, t)}`);
    }
  }
  assert.equal(wrong, []);
  assert.equal(cycles(folders, (d) => [...edges.get(d)!]), []);
});

test('no folder holds more than 30 % of the code', () => {
  const lines = new Map<string, number>();
  for (const f of files) lines.set(folderOf(f), (lines.get(folderOf(f)) ?? 0) + readFileSync(f, 'utf8').split('\n').length);
  const total = [...lines.values()].reduce((a, b) => a + b, 0);
  const big = [...lines].filter(([, n]) => n / total > 0.3).map(([d, n]) => `${d}: ${Math.round((100 * n) / total)} %`);
  assert.equal(big, []);
});

test.run();
