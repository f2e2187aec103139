// The incremental parse gives exactly what a whole parse gives: values, positions and errors, edit after edit.

import { readFileSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ParseCache } from '../../src/spec/parse-cache.js';
import { parseYaml } from '../../src/spec/yaml.js';
import { splitChunks } from '../../src/spec/yaml-chunks.js';
import { recordPatchOf } from '../../src/util/patch.js';

const quickstart = readFileSync(fileURLToPath(new URL('../../../examples/quickstart.yaml', import.meta.url)), 'utf8');

function same(cache: ParseCache, text: string): void {
  assert.equal(cache.parse('f.yaml', text), parseYaml('f.yaml', text), `differs for:\n${text}`);
}

/** Texts the chunker cuts, and texts it must not cut or whose pieces must fail: each through a fresh and a warm cache. */
const TEXTS = [
  quickstart,
  'version: 1\nname: a\ncontainers:\n  web: {ports: ["80:80"]}\n  db:\n    hostname: d\n    dns: [192.0.2.1]\n',
  '# leading comment\n\nversion: 1\ncontainers:\n  # a comment between\n  a: {}\n\n# col-0 comment inside\n  b:\n',
  'version: 1\ncontainers: # trailing\n    deep: {}\n    deeper:\n      hostname: x\nbridges:\n  br0: {subnet: 10.0.0.0/24}\n',
  'version: 1\ncontainers:\n  web: {\n    ports: ["80:80"]\n  }\n',
  'version: 1\ncontainers:\n  web: {hostname: "a\n  b"}\n',
  'version: 1\ncontainers:\n  a: |\n    text\n\n  b: 1\n',
  'version: 1\ncontainers:\n  a: |+\n    kept\n\n\n  b: 1\n',
  'version: 1\ncontainers:\n  a: x\n  bar\n',
  'version: 1\ncontainers:\n    a: 1\n  b: 2\n',
  'version: 1\ncontainers:\n  a: {}\n  a: {}\n',
  'version: 1\nversion: 2\n',
  'version: 1\ncontainers:\n  - a\n  - b\n',
  'version: 1\ncontainers: {a: {}, b: {}}\n',
  'version: 1\ncontainers:\n  a: &x {hostname: h}\n  b: *x\n',
  '  version: 1\n',
  'version: 1\ncontainers:\n  web: {ports: ["80:80"]}',
  '',
  '# only a comment\n',
  'version: 1\r\ncontainers:\r\n  a: {}\r\n',
  'version: 1\ncontainers:\n  a: {ports: [80,\n  b: {}\n',
  "version: 1\nname: 'abc\n",
  '---\nversion: 1\n',
  'version: 1\ncontainers:\n  a:\n  b: null\n  c: ~\n',
  'version: 1\ncontainers:\n  123: {}\n  a.b: {}\n',
];

test('every text: the same result as a whole parse, cold and warm', () => {
  const warm = new ParseCache();
  for (const text of TEXTS) {
    same(new ParseCache(), text);
    same(warm, text);
    same(warm, text);
  }
});

test('the chunker cuts a block mapping per entry and keeps what it cannot cut whole', () => {
  const chunks = splitChunks('# c\nversion: 1\ncontainers:\n  a: {}\n  # c\n  b:\n    hostname: x\n')!;
  assert.equal(chunks.map((c) => [c.section, c.line]), [[null, 1], [null, 2], ['containers', 3], ['containers', 5]]);
  assert.is(chunks[3].text, '  # c\n  b:\n    hostname: x\n'.slice(6));
  assert.ok(splitChunks(quickstart), 'the quickstart is cut');
  assert.is(splitChunks('a: &x 1\nb: *x\n'), null);
  assert.is(splitChunks('  a: 1\n'), null);
  assert.equal(splitChunks('c:\n  - a\n  - b\n')!.length, 1);
});

test('edits to one entry, and edits that move lines, give the same result as a whole parse', () => {
  const cache = new ParseCache();
  const spec = (entries: string[]) => `version: 1\nname: n\nbridges:\n  docker0: {subnet: 172.17.0.0/16}\ncontainers:\n${entries.join('')}`;
  const entries = Array.from({ length: 50 }, (_, i) => `  c${i}: {ports: ["${10000 + i}:80"]}\n`);
  same(cache, spec(entries));
  assert.is(cache.lastParsed, 55, 'the first parse parses every chunk (5 top-level pieces, 50 entries)');
  entries[20] = '  c20: {ports: ["40020:80"]}\n';
  same(cache, spec(entries));
  assert.is(cache.lastParsed, 1, 'one entry changed: one chunk parsed');
  entries.splice(10, 0, '  new:\n    hostname: n\n    ports:\n      - "1:1"\n');
  same(cache, spec(entries));
  assert.is(cache.lastParsed, 1, 'lines moved, texts did not: only the new entry parsed');
  entries.splice(3, 2);
  same(cache, spec(entries));
  const good = entries[7];
  entries[7] = '  c9: {ports: [oops\n';
  same(cache, spec(entries));
  assert.is(cache.lastParsed, 'whole');
  entries[7] = '  c10: {}\n'; // c10 is the next entry: a duplicate
  same(cache, spec(entries));
  assert.is(cache.lastParsed, 'whole');
  entries[7] = good;
  same(cache, spec(entries));
  assert.is(cache.lastParsed, 0, 'back to a text whose pieces were all seen');
});

test('unchanged entries keep their values from one parse to the next', () => {
  const cache = new ParseCache();
  const a = cache.parse('f.yaml', 'version: 1\ncontainers:\n  a: {hostname: x}\n  b: {}\n');
  const b = cache.parse('f.yaml', 'version: 1\ncontainers:\n  a: {hostname: x}\n  b: {hostname: y}\n');
  assert.ok(a.ok && b.ok);
  const ca = (r: typeof a) => (r.ok ? (r.value.value as { containers: Record<string, unknown> }).containers : {});
  assert.ok(ca(a).a === ca(b).a, 'the unchanged entry is the same object');
  assert.ok(ca(a).b !== ca(b).b);
  assert.ok(Object.isFrozen(ca(b).a));
});

/** A seeded generator: the same edits on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

const LINES = [
  'version: 1', 'name: n', 'containers:', 'bridges:', 'host: {icc: false}', '  web: {ports: ["80:80"]}', '  db:', '    hostname: d',
  '    dns: [192.0.2.1]', '    ports:', '      - "1:1"', '  - a', '', '# comment', '  # indented comment', '  x: |', '    text',
  '  y: {a: [1,', '   2]}', '  br0: {subnet: 10.0.0.0/24}', 'extra: 1', '  z: "quoted', '  "', '    deep: {}', ' odd: 1', '  web: {}',
  '  a.b: {}', '  123: {}', 'list:', '  - 1', '  c1: {bridge: br0}', '  c2: {bridge: br1, ip: 10.0.0.2}',
];

test('random line edits, one after another: every parse the same as a whole parse', () => {
  const next = random(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const cache = new ParseCache();
  const base = 'version: 1\nname: n\nbridges:\n  br0: {subnet: 10.0.0.0/24}\ncontainers:\n' +
    Array.from({ length: 30 }, (_, i) => `  c${i}: {bridge: br0, ports: ["${10000 + i}:80"]}\n`).join('');
  let lines = base.split('\n');
  let good = lines;
  let cut = 0;
  for (let k = 0; k < 300; k++) {
    lines = [...lines];
    const at = Math.floor(next() * lines.length);
    const edit = Math.floor(next() * 5);
    if (edit === 0) lines.splice(at, 1);
    else if (edit === 1) lines.splice(at, 0, pick(LINES));
    else if (edit === 2) lines[at] = pick(LINES);
    else if (edit === 3) lines[at] = (lines[at] ?? '').replace(/\d/, String(Math.floor(next() * 10)));
    else lines.splice(at, 0, ...lines.slice(Math.floor(next() * lines.length)).slice(0, 3));
    same(cache, lines.join('\n'));
    // Text that cannot be cut is mostly undone, as a typo is fixed, so that most edits go through the chunks.
    if (cache.lastParsed !== 'whole') [good, cut] = [lines, cut + 1];
    else if (next() < 0.7) lines = good;
  }
  assert.ok(cut > 100, `${cut} of 300 edits cut`);
});


test('an edit of values only: sections left alone are the very records, the edited one a patch of the last', () => {
  const cache = new ParseCache();
  const text = (port: number, version = 1) =>
    `version: ${version}\nbridges:\n  br0: {subnet: 10.0.0.0/24}\ncontainers:\n${Array.from({ length: 20 }, (_, i) => `  c${i}: {ports: ["${i === 5 ? port : 1000 + i}:80"]}\n`).join('')}`;
  const sections = (t: string) => {
    const r = cache.parse('f.yaml', t);
    if (!r.ok) throw new Error(r.errors[0].message);
    assert.equal(r, parseYaml('f.yaml', t));
    return r.value.value as { bridges: object; containers: Record<string, unknown> };
  };
  const a = sections(text(1005));
  const b = sections(text(40005));
  assert.ok(a.bridges === b.bridges, 'bridges untouched: the same record');
  assert.ok(a.containers !== b.containers);
  assert.equal(recordPatchOf(b.containers), { from: a.containers, keys: ['c5'] });
  assert.ok(Object.isFrozen(b.containers));
  const c = sections(text(40005, 2));
  assert.ok(c.containers === b.containers && c.bridges === b.bridges, 'a top-level field edited: the sections stay');
  // An entry added is no patch: the section is built anew.
  const d = sections(`${text(40005, 2)}  extra: {}\n`);
  assert.is(recordPatchOf(d.containers), undefined);
  assert.equal(Object.keys(d.containers).at(-1), 'extra');
});

test('pieces kept across edits keep no text of the edit they were parsed in', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const collect = async () => {
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  };
  const cache = new ParseCache();
  const text = (changed: number) => `version: 1\nname: n\ncontainers:\n${Array.from({ length: 4000 }, (_, i) => `  c${i}: {bridge: br0, hostname: host-number-${i}, ports: ["${i === changed ? 40000 + i : 10000 + i}:80"]}\n`).join('')}`;
  const size = text(-1).length;
  // The first parses fill what the code itself keeps (compiled code, its feedback): not counted.
  for (let k = -1; k < 10; k++) cache.parse('f.yaml', text(k === -1 ? -1 : 3900 + k));
  await collect();
  const before = getHeapStatistics().used_heap_size;
  // Each edit changes another entry: its piece stays, and with it whatever it holds.
  for (let k = 0; k < 40; k++) assert.ok(cache.parse('f.yaml', text(k * 97)).ok);
  await collect();
  const grown = getHeapStatistics().used_heap_size - before;
  assert.ok(grown < 4 * size, `the heap grew ${grown} bytes over 40 edits of a ${size}-byte text`);
});

test.run();
