// Specs kept by the digest of their text: the same text gives the same Spec, anything else is loaded afresh.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkedSpecs, plainJson, type CheckedKey } from '../../src/spec/checked-store.js';
import type { Spec } from '../../src/model/spec.js';
import { loadSpec } from '../../src/spec/load.js';

const root = process.getuid?.() === 0;
const TEXT = 'version: 1\nname: kept\ncontainers:\n  web: {ports: ["8080:80"]}\n';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'tnet-checked-'));
  const file = join(dir, 'net.yaml');
  writeFileSync(file, TEXT);
  return { dir, file, store: join(dir, 'store') };
}

const keyOf = (file: string, text = TEXT, host = 'h1'): CheckedKey => ({ sources: [{ file, text }], defaultName: 'net', name: undefined, host });

test('only root keeps specs: a store another user could write would skip the checks', () => {
  if (root) return;
  assert.is(checkedSpecs('/nonexistent', 'build'), null);
});

test('a spec loaded twice from the same text comes back equal, from the store', async () => {
  if (!root) return;
  const { file, store } = setup();
  const checked = checkedSpecs(store, 'build-a');
  const first = await loadSpec(file, { checked, host: 'h1' });
  assert.ok(first.ok);
  assert.not.ok(existsSync(store), 'written later: not on the way to the plan');
  checked!.flush();
  assert.equal(readdirSync(store).filter((f) => f.endsWith('.spec')).length, 1);
  const kept = checked!.get(keyOf(file));
  assert.ok(kept);
  assert.equal(kept, first.value);
  const again = await loadSpec(file, { checked, host: 'h1' });
  assert.ok(again.ok);
  assert.equal(again.value, first.value);
  assert.is.not(again.value, first.value);
});

const RICH = `version: 1
name: rich
host: {icc: false}
bridges:
  br0: {subnet: 10.1.0.0/16, subnet6: "2001:db8:1::/64"}
  br1: {subnet: 10.2.0.0/16, internal: true}
containers:
  web: {bridge: br0, ports: ["8080:80", "0.0.0.0:53:53/udp", "[::]:8443:443", "9000-9002:90"], dns: [192.0.2.1], extraHosts: ["x:192.0.2.5"], expose: [81]}
  db: {networks: {br0: {aliases: [dbx]}, br1: {}}, links: ["web:w"], publishAll: true, expose: [5432]}
  lone: {network: none}
  hosty: {network: host}
  shared: {network: "container:web"}
`;

test('a spec of every kind of container, port and network comes back from the store as parsing makes it', async () => {
  if (!root) return;
  const { file, store } = setup();
  writeFileSync(file, RICH);
  const checked = checkedSpecs(store, 'build-a')!;
  const parsed = await loadSpec(file, { checked, host: 'h1' });
  assert.ok(parsed.ok);
  const kept = checked.get(keyOf(file, RICH));
  assert.ok(kept, 'kept');
  // dequal compares the keys too: a key JSON dropped or added would show.
  assert.equal(kept, parsed.value);
  assert.equal(Object.keys(kept.containers), Object.keys(parsed.value.containers));
});

test('plainJson refuses what JSON would not give back as it is', () => {
  const base = { name: 'x', host: {}, bridges: {}, overlays: {}, containers: {} } as unknown as Spec;
  assert.ok(plainJson(base));
  const shared = { a: 1 };
  for (const [why, extra] of [
    ['undefined', { v: undefined }],
    ['NaN', { v: Number.NaN }],
    ['-0', { v: -0 }],
    ['a Map', { v: new Map() }],
    ['a class', { v: new (class Thing {})() }],
    ['a function', { v: () => 1 }],
    ['one object twice', { v: shared, w: shared }],
  ] as const) {
    assert.is(plainJson({ ...base, containers: extra } as unknown as Spec), null, why);
  }
});

test('what the store holds for the text is what loads: so it holds only specs that passed', async () => {
  if (!root) return;
  const { file, store } = setup();
  const checked = checkedSpecs(store, 'build-a')!;
  const first = await loadSpec(file, { checked, host: 'h1' });
  assert.ok(first.ok);
  checked.put(keyOf(file), { ...first.value, name: 'marked' });
  const again = await loadSpec(file, { checked, host: 'h1' });
  assert.ok(again.ok);
  assert.is(again.value.name, 'marked');
});

test('an invalid spec is never kept', async () => {
  if (!root) return;
  const { file, store } = setup();
  writeFileSync(file, 'version: 1\ncontainers:\n  web: {ports: ["99999:80"]}\n');
  const r = await loadSpec(file, { checked: checkedSpecs(store, 'build-a'), host: 'h1' });
  assert.not.ok(r.ok);
  assert.not.ok(existsSync(store) && readdirSync(store).some((f) => f.endsWith('.spec')));
});

test('another text, host, name or build misses', async () => {
  if (!root) return;
  const { file, store } = setup();
  const checked = checkedSpecs(store, 'build-a')!;
  assert.ok((await loadSpec(file, { checked, host: 'h1' })).ok);
  assert.ok(checked.get(keyOf(file)));
  assert.is(checked.get(keyOf(file, TEXT.replace('8080', '8081'))), null);
  assert.is(checked.get(keyOf(file, TEXT, 'h2')), null);
  assert.is(checked.get({ ...keyOf(file), name: 'other' }), null);
  assert.is(checkedSpecs(store, 'build-b')!.get(keyOf(file)), null);
  // The edited file loads as written, not as kept.
  writeFileSync(file, TEXT.replace('8080', '8081'));
  const edited = await loadSpec(file, { checked, host: 'h1' });
  assert.ok(edited.ok);
  assert.is(edited.value.containers.web.ports[0].hostPort, 8081);
});

test('a file or folder others could write is not believed', async () => {
  if (!root) return;
  const { file, store } = setup();
  const checked = checkedSpecs(store, 'build-a')!;
  assert.ok((await loadSpec(file, { checked, host: 'h1' })).ok);
  checked.flush();
  const [slot] = readdirSync(store).filter((f) => f.endsWith('.spec'));
  chmodSync(join(store, slot), 0o666);
  assert.is(checked.get(keyOf(file)), null);
  chmodSync(join(store, slot), 0o600);
  assert.ok(checked.get(keyOf(file)));
  chmodSync(store, 0o777);
  assert.is(checked.get(keyOf(file)), null);
});

test('a command that ends before the write is due still keeps its spec, as it exits', () => {
  if (!root) return;
  const { file, store } = setup();
  const module = new URL('../../src/spec/load.js', import.meta.url).href;
  const storeModule = new URL('../../src/spec/checked-store.js', import.meta.url).href;
  const script = `const { loadSpec } = await import(${JSON.stringify(module)});
const { checkedSpecs } = await import(${JSON.stringify(storeModule)});
const r = await loadSpec(${JSON.stringify(file)}, { checked: checkedSpecs(${JSON.stringify(store)}, 'build-a'), host: 'h1' });
process.exitCode = r.ok ? 0 : 1;`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.ok(checkedSpecs(store, 'build-a')!.get(keyOf(file)), 'written before the process exited');
});

test.run();
