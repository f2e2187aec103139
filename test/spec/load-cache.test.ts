// A re-load through a LoadCache gives what a fresh load gives, values and errors alike, edit after edit.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Spec } from '../../src/model/spec.js';
import { LoadCache, loadSpec } from '../../src/spec/load.js';
import { containersOf } from '../../src/spec/lookup.js';
import { listPatchOf, recordPatchOf } from '../../src/util/patch.js';

const HEAD = [
  'version: 1',
  'name: edits',
  'bridges:',
  '  br0: {subnet: 10.0.0.0/24}',
  '  br1: {subnet: 10.0.1.0/24, subnet6: "fd00:1::/64"}',
  'overlays:',
  '  ov: {vni: 42, subnet: 10.9.0.0/16, hosts: {h: {underlay: 192.0.2.1, ipRange: 10.9.1.0/24}, g: {underlay: 192.0.2.2, ipRange: 10.9.2.0/24}}}',
];

/** Containers by name, each its YAML flow mapping: edits replace, add or drop entries. */
type Entries = [string, string][];

const BASE: Entries = [
  ['web', '{bridge: br0, ip: 10.0.0.10, ports: ["8080:80"], links: ["db:database"]}'],
  ['db', '{bridge: br0, ip: 10.0.0.11, mac: "02:42:0a:00:00:0b"}'],
  ['api', '{bridge: br1, ip6: "fd00:1::10", ports: ["9000:9000", "[::]:9001:9001"]}'],
  ['side', '{network: "container:web"}'],
  ['tools', '{network: host}'],
  ['far', '{network: ov, host: g, ip: 10.9.2.20}'],
  ['near', '{network: ov, host: h, ports: ["7000:7000"]}'],
  ...Array.from({ length: 20 }, (_, i): [string, string] => [`w${i}`, `{bridge: ${i % 2 ? 'br0' : 'br1'}, ports: ["${20000 + i}:80"]}`]),
];

function text(entries: Entries, head = HEAD): string {
  return `${[...head, 'containers:', ...entries.map(([n, v]) => `  ${n}: ${v}`)].join('\n')}\n`;
}

const set = (entries: Entries, name: string, value: string): Entries => {
  const i = entries.findIndex(([n]) => n === name);
  return i < 0 ? [...entries, [name, value]] : entries.map((e, k) => (k === i ? [name, value] : e));
};
const drop = (entries: Entries, name: string): Entries => entries.filter(([n]) => n !== name);

/** Each text in turn: what the shared cache gives equals a fresh load's result, errors in the same order. */
async function sameAsFresh(texts: string[]): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'tnet-cache-')), 'edits.yaml');
  const cache = new LoadCache();
  for (const [k, t] of texts.entries()) {
    writeFileSync(file, t);
    const cached = await loadSpec(file, { cache, host: 'h' });
    const fresh = await loadSpec(file, { host: 'h' });
    assert.equal(cached, fresh, `edit ${k}:\n${t}`);
  }
}

const DUP_PORT = set(BASE, 'w3', '{bridge: br0, ports: ["8080:81"]}');
const DUP_IP = set(BASE, 'w4', '{bridge: br0, ip: 10.0.0.11}');
const DUP_IP6 = set(BASE, 'w5', '{bridge: br1, ip6: "fd00:1:0::10"}');
const DUP_MAC = set(BASE, 'w6', '{bridge: br0, mac: "02:42:0A:00:00:0B"}');
const DUP_NETNS = set(set(BASE, 'n1', '{network: none, netns: /run/netns/x}'), 'n2', '{network: none, netns: /run/netns/x}');
const BAD_LINK = set(BASE, 'web', '{bridge: br0, ip: 10.0.0.10, ports: ["8080:80"], links: ["nobody:database"]}');

test('ports, containers, duplicates and bad targets: each error as a fresh load words it, and gone once fixed', async () => {
  await sameAsFresh([
    text(BASE),
    text(set(BASE, 'w7', '{bridge: br0, ports: ["30007:80"]}')),
    text(set(BASE, 'extra', '{bridge: br1, ports: ["31000:80"]}')),
    text(drop(BASE, 'w2')),
    text(DUP_PORT),
    text(set(DUP_PORT, 'w9', '{bridge: br1, ports: ["8080:82"]}')),
    text(BASE),
    text(DUP_IP),
    text(BASE),
    text(DUP_IP6),
    text(DUP_MAC),
    text(DUP_NETNS),
    text(BASE),
    text(BAD_LINK),
    text(drop(BASE, 'db')),
    text(set(BASE, 'side', '{network: "container:gone"}')),
    text(BASE),
    text(set(BASE, 'w8', '{bridge: br0, ports: ["30008:80", "30008:81"]}')),
    text(set(BASE, 'p1', '{bridge: br0, host: g, ports: ["7000:7000"]}')),
    text(set(BASE, 'p1', '{bridge: br0, host: h, ports: ["7000:7000"]}')),
    text(set(BASE, 'p1', '{bridge: br0, host: g, ports: ["7000:7000"]}')),
    text(drop(BASE, 'web')),
    text(BASE),
  ]);
});

test('an edit above moves the positions of errors that stay', async () => {
  const moved = [HEAD[0], '# a comment that pushes every line down', ...HEAD.slice(1)];
  await sameAsFresh([text(DUP_PORT), text(DUP_PORT, moved), text(set(DUP_PORT, 'w9', '{bridge: br0, ip: 10.0.0.300}'), moved), text(BASE, moved)]);
});

test('entries moved: the errors follow the new spec order', async () => {
  const [first, ...rest] = DUP_PORT;
  const w3 = rest.findIndex(([n]) => n === 'w3');
  await sameAsFresh([text(DUP_PORT), text([rest[w3], ...rest.filter((_, i) => i !== w3), first]), text(DUP_PORT)]);
});

test('a changed network forgets what was found of each container; broken YAML and a broken spec come back', async () => {
  const narrow = HEAD.map((l) => l.replace('10.0.0.0/24', '10.0.0.0/28'));
  await sameAsFresh([
    text(BASE),
    text(BASE, narrow),
    text(BASE),
    `${text(BASE)}  broken: {bridge: [\n`,
    text(BASE),
    text(set(BASE, 'w1', '{bridge: br0, unknown: 1}')),
    text(set(BASE, 'w1', '{network: nowhere}')),
    text(BASE),
    text(set(BASE, 'near', '{network: ov, ports: ["7000:7000"]}')),
    text(BASE),
  ]);
});

test('names with dots: a field path that reads into another entry is looked up again', async () => {
  // `containers.side.hostname` is written once a container named side.hostname exists.
  const dotted = set(BASE, 'side.hostname', '{bridge: br0}');
  await sameAsFresh([text(BASE), text(dotted), text(BASE), text(set(dotted, 'w1.x', '{bridge: br1}')), text(dotted)]);
});

/** Loads each text given through one LoadCache, as watch mode does; a text must load. */
function loader(): (text: string) => Promise<Spec> {
  const file = join(mkdtempSync(join(tmpdir(), 'tnet-cache-')), 'spec.yaml');
  const cache = new LoadCache();
  return async (t) => {
    writeFileSync(file, t);
    const r = await loadSpec(file, { cache, host: 'h' });
    if (!r.ok) throw new Error(r.errors[0].message);
    return r.value;
  };
}

test('containers unchanged by an edit are the same objects', async () => {
  const load = loader();
  const before = await load(text(BASE));
  const after = await load(text(set(BASE, 'w7', '{bridge: br0, ports: ["30007:80"]}')));
  for (const [name, c] of Object.entries(after.containers)) assert.is(c === before.containers[name], name !== 'w7', name);
});

test('value edits patch the last load: docker0 comes and goes, a bridge fills up, as a fresh load gives', async () => {
  const toDocker0 = set(BASE, 'w3', '{ports: ["20003:80"]}');
  const both = set(toDocker0, 'w4', '{network: bridge}');
  await sameAsFresh([text(BASE), text(toDocker0), text(both), text(set(both, 'w3', '{bridge: br0}')), text(BASE), text(set(BASE, 'w2', '{bridge: nowhere}')), text(BASE)]);
  // 1,023 ports on br0 (12 of BASE's containers join it): one more moved there is refused, and moved back is fine.
  // Every container on this host, so that placement keeps the list normalize patched, and counts by the patch.
  const local = BASE.filter(([n]) => n !== 'far' && n !== 'near');
  const many = [...local, ...Array.from({ length: 1023 - 12 }, (_, i): [string, string] => [`m${i}`, '{bridge: br0}'])];
  await sameAsFresh([text(many), text(set(many, 'w0', '{bridge: br0}')), text(many)]);
  const file = join(mkdtempSync(join(tmpdir(), 'tnet-cache-')), 'full.yaml');
  writeFileSync(file, text(set(many, 'w0', '{bridge: br0}')));
  const full = await loadSpec(file, { host: 'h' });
  assert.ok(!full.ok && /bridge br0 would have 1024 ports/.test(full.errors[0].message), 'the edit fills br0 over its limit');
});

test('an edit of one container: the containers record and list are patched from the last load', async () => {
  const load = loader();
  // Every container on this host: placement keeps the record as normalize made it.
  const here = BASE.filter(([n]) => n !== 'far' && n !== 'near');
  const before = await load(text(here));
  const after = await load(text(set(here, 'w7', '{bridge: br0, ports: ["30007:80"]}')));
  assert.equal(recordPatchOf(after.containers), { from: before.containers, keys: ['w7'] });
  assert.equal(listPatchOf(containersOf(after))?.at, [here.findIndex(([n]) => n === 'w7')]);
  assert.ok(listPatchOf(containersOf(after))?.from === containersOf(before));
  assert.equal(after.containers.w7.ports.map((p) => p.hostPort), [30007]);
});

test.run();
