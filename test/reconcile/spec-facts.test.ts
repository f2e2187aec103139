// The facts of a spec's containers, patched edit after edit, are those a fresh walk finds.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoadCache, loadSpec } from '../../src/spec/load.js';
import { containersOf } from '../../src/spec/lookup.js';
import { SpecFactsMemo } from '../../src/reconcile/spec-facts.js';
import { listPatchOf } from '../../src/util/patch.js';

const spec = (entries: Record<string, string>) =>
  `version: 1\nname: f\nbridges:\n  br0: {subnet: 10.0.0.0/24}\ncontainers:\n${Object.entries(entries).map(([n, v]) => `  ${n}: ${v}\n`).join('')}`;

test('port and netns edits: the same facts as a fresh walk, and patched lists are not walked again', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tnet-facts-')), 's.yaml');
  const cache = new LoadCache();
  const memo = new SpecFactsMemo();
  let entries: Record<string, string> = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${i}`, '{bridge: br0}']));
  const edits: [string, string][] = [
    ['c3', '{bridge: br0, ports: ["8080:80"]}'],
    ['c5', '{bridge: br0, ports: ["80"]}'],
    ['c3', '{bridge: br0}'],
    ['c7', '{network: none, netns: /run/netns/x}'],
    ['c8', '{network: none, netns: /run/netns/y}'],
    ['c7', '{bridge: br0}'],
    ['c5', '{bridge: br0, ports: ["9090:80"]}'],
    ['c5', '{bridge: br0}'],
  ];
  let patched = 0;
  let last: readonly unknown[] = [];
  for (const [name, value] of [['c0', '{bridge: br0}'] as [string, string], ...edits]) {
    entries = { ...entries, [name]: value };
    writeFileSync(file, spec(entries));
    const r = await loadSpec(file, { cache, host: 'h' });
    if (!r.ok) throw new Error(r.errors[0].message);
    const list = containersOf(r.value);
    last = list;
    if (listPatchOf(list)) patched++;
    assert.equal(memo.of(list), new SpecFactsMemo().of(list), `after ${name}: ${value}`);
  }
  assert.ok(patched >= edits.length - 1, `${patched} of ${edits.length} loads patched`);
  assert.equal(memo.of(last as never), { paths: ['/run/netns/y'], publishes: false, chosen: false });
});

test.run();
