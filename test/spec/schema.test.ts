// Structural check: unknown fields with hints, wrong types, version; and the JSON schema file is its field table.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TnetError } from '../../src/model/errors.js';
import { parseYaml } from '../../src/spec/yaml.js';
import { patchRecord } from '../../src/util/patch.js';
import { checkSchema, didYouMean, specSchema, SUPPORTED_KEYWORDS, type SchemaNode } from '../../src/spec/schema.js';

function check(text: string, fragment = false): TnetError[] {
  const r = parseYaml('s.yaml', text);
  if (!r.ok) throw new Error(r.errors[0].message);
  return checkSchema(r.value.value, r.value.pos, { fragment });
}

const where = (e: TnetError) => `${e.path}@${e.pos?.line}:${e.pos?.col}`;

test('a minimal spec passes', () => assert.equal(check('version: 1\n'), []));

test('unknown field: path, key position, did-you-mean hint', () => {
  const [e] = check('version: 1\ncontainers:\n  web:\n    prots: ["80"]\n');
  assert.is(e.code, 'schema');
  assert.is(where(e), 'containers.web.prots@4:5');
  assert.is(e.hint, 'did you mean "ports"?');
  assert.is(check('version: 1\nbridges:\n  br0:\n    ip_range: 10.0.0.0/24\n')[0].hint, 'did you mean "ipRange"?');
  assert.is(check('version: 1\nhosts: {}\n')[0].hint, 'did you mean "host"?');
  assert.match(check('version: 1\nclusters: {}\n')[0].hint!, /known fields: version, name, host, bridges, overlays, containers/);
});

test('wrong types: path, value position, hint', () => {
  const errs = check('version: 1\nhost:\n  icc: "no"\ncontainers:\n  a:\n    ports: "8080:80"\n    mtu: 1500.5\n    hostname: 42\n');
  assert.equal(errs.map(where), ['host.icc@3:8', 'containers.a.ports@6:12', 'containers.a.mtu@7:10', 'containers.a.hostname@8:15']);
  assert.match(errs[0].message, /must be true or false, not a string/);
  assert.is(errs[1].hint, 'write a list: ["8080:80"]');
  assert.is(errs[3].hint, 'quote it to make it a string: "42"');
});

test('list items are checked', () => {
  const errs = check('version: 1\ncontainers:\n  a:\n    dns: [1.1.1.1, 8]\n    ports: [80, "81", true]\n');
  assert.equal(errs.map(where), ['containers.a.dns[1]@4:20', 'containers.a.ports[2]@5:23']);
});

test('all errors are collected, not just the first', () => {
  const errs = check('version: 2\nfoo: 1\nbridges:\n  b:\n    mtu: big\n    bar: 1\n');
  assert.equal(errs.map((e) => e.path), ['version', 'foo', 'bridges.b.mtu', 'bridges.b.bar']);
});

test('version is required and must be 1', () => {
  const [missing] = check('containers: {}\n');
  assert.is(missing.path, 'version');
  assert.match(missing.message, /version: 1/);
  assert.equal([missing.pos!.line, missing.pos!.col], [1, 1]);
  assert.match(check('version: "1"\n')[0].message, /version must be 1, not "1"/);
  assert.equal(check('containers: {}\n', true), [], 'a fragment of a directory may leave it to another file');
});

test('empty spec and non-mapping root', () => {
  assert.match(check('')[0].message, /empty/);
  assert.match(check('- a\n')[0].message, /the spec must be a mapping, not a list/);
});

test('empty entries are allowed: a container with every default', () => {
  assert.equal(check('version: 1\nhost:\nbridges:\ncontainers:\n  a:\n  b: {}\n'), []);
});

test('didYouMean', () => {
  assert.is(didYouMean('IPRANGE', ['ipRange', 'icc']), 'ipRange');
  assert.is(didYouMean('extra_hosts', ['extraHosts']), 'extraHosts');
  assert.is(didYouMean('netwrok', ['network', 'netns']), 'network');
  assert.is(didYouMean('zzz', ['network', 'netns']), undefined);
});

// ---- specs/tnet.schema.json and schema.ts cannot drift: one reads the other, and this proves it reads all of it.

const fileSchema = JSON.parse(readFileSync(new URL('../../../specs/tnet.schema.json', import.meta.url), 'utf8')) as SchemaNode;

function walkSchema(node: unknown, visit: (n: Record<string, unknown>, path: string) => void, path = '#'): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as Record<string, unknown>;
  visit(n, path);
  for (const key of ['properties', '$defs']) {
    for (const [k, v] of Object.entries((n[key] as Record<string, unknown>) ?? {})) walkSchema(v, visit, `${path}/${key}/${k}`);
  }
  for (const key of ['items', 'additionalProperties']) walkSchema(n[key], visit, `${path}/${key}`);
}

test('schema.ts reads specs/tnet.schema.json', () => {
  assert.equal(specSchema(), fileSchema);
});

test('the schema file uses only keywords schema.ts enforces', () => {
  walkSchema(fileSchema, (n, path) => {
    for (const k of Object.keys(n)) assert.ok((SUPPORTED_KEYWORDS as readonly string[]).includes(k), `${path}: keyword ${k}`);
    if ('properties' in n) assert.is(n.additionalProperties === false, true, `${path}: additionalProperties false`);
  });
});

const SAMPLE: Record<string, string> = { string: '"x"', integer: '1500', boolean: 'true', array: '[]', object: '{}' };

function fieldsOf(node: SchemaNode): [string, SchemaNode][] {
  return Object.entries(node.properties ?? {});
}

test('every field the JSON schema names is accepted, and nothing else', () => {
  const defs = fileSchema.$defs!;
  const cases: [string, string, SchemaNode][] = [
    ...fieldsOf(fileSchema).filter(([f]) => !['version', 'bridges', 'overlays', 'containers', 'host'].includes(f)).map(([f, s]) => ['', f, s] as [string, string, SchemaNode]),
    ...fieldsOf(fileSchema.properties!.host).map(([f, s]) => ['host:\n  ', f, s] as [string, string, SchemaNode]),
    ...fieldsOf(defs.bridge).map(([f, s]) => ['bridges:\n  b:\n    ', f, s] as [string, string, SchemaNode]),
    ...fieldsOf(defs.container).map(([f, s]) => ['containers:\n  c:\n    ', f, s] as [string, string, SchemaNode]),
    ...fieldsOf(defs.endpoint).map(([f, s]) => ['containers:\n  c:\n    networks:\n      n:\n        ', f, s] as [string, string, SchemaNode]),
    // The required fields are there, so that only the field under test can be wrong.
    ...fieldsOf(defs.overlay).filter(([f]) => !defs.overlay.required!.includes(f))
      .map(([f, s]) => ['overlays:\n  o:\n    vni: 1\n    subnet: "x"\n    hosts: {}\n    ', f, s] as [string, string, SchemaNode]),
  ];
  assert.ok(cases.length >= 4 + 7 + 15 + 1);
  for (const [prefix, field, s] of cases) {
    const type = Array.isArray(s.type) ? s.type[0] : s.type!;
    const text = `version: 1\n${prefix}${field}: ${SAMPLE[type]}\n`;
    assert.equal(check(text), [], text);
    const unknown = check(`version: 1\n${prefix}${field}X: ${SAMPLE[type]}\n`);
    assert.is(unknown.length, 1, `${field}X`);
    assert.match(unknown[0].message, /unknown field/);
  }
});


test('frozen entries shared between parses: an error is found every time, a clean one is clean only where it was checked', () => {
  const r = parseYaml('s.yaml', 'version: 1\n');
  if (!r.ok) throw new Error(r.errors[0].message);
  const pos = r.value.pos;
  const clean = new WeakMap();
  const bad = Object.freeze({ prots: Object.freeze(['80']) });
  const net = Object.freeze({ subnet: '10.0.0.0/24' });
  for (let i = 0; i < 2; i++) {
    const errors = checkSchema({ version: 1, containers: { web: bad } }, pos, { clean });
    assert.equal(errors.map((e) => e.path), ['containers.web.prots'], `check ${i + 1}`);
  }
  assert.equal(checkSchema({ version: 1, bridges: { br0: net } }, pos, { clean }), []);
  // The same frozen object, clean as a bridge, is still checked as a container.
  assert.equal(checkSchema({ version: 1, containers: { web: net } }, pos, { clean }).map((e) => e.path), ['containers.web.subnet']);
});

test('a record patched from one found clean: its replaced entries are checked, as a whole check would', () => {
  const r = parseYaml('s.yaml', 'version: 1\n');
  if (!r.ok) throw new Error(r.errors[0].message);
  const pos = r.value.pos;
  const clean = new WeakMap();
  const entries: Record<string, unknown> = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`c${i}`, Object.freeze({ ports: Object.freeze([`${1000 + i}:80`]) })]));
  const keys = Object.keys(entries);
  const before = Object.freeze(entries);
  assert.equal(checkSchema({ version: 1, containers: before }, pos, { clean }), []);
  const bad = patchRecord(before, keys, new Map<string, unknown>([['c7', Object.freeze({ prots: Object.freeze(['80']) })], ['c9', Object.freeze({ mtu: 'big' })]]))!;
  Object.freeze(bad);
  const whole = checkSchema({ version: 1, containers: bad }, pos).map((e) => [e.path, e.message]);
  assert.equal(whole.map(([p]) => p), ['containers.c7.prots', 'containers.c9.mtu']);
  assert.equal(checkSchema({ version: 1, containers: bad }, pos, { clean }).map((e) => [e.path, e.message]), whole);
  // A record patched from one with errors is not taken as clean anywhere: checked whole.
  const fixed = Object.freeze(patchRecord(bad, keys, new Map<string, unknown>([['c9', Object.freeze({ mtu: 1400 })]]))!);
  assert.equal(checkSchema({ version: 1, containers: fixed }, pos, { clean }).map((e) => e.path), ['containers.c7.prots']);
  const good = Object.freeze(patchRecord(before, keys, new Map<string, unknown>([['c3', Object.freeze({ mtu: 1400 })]]))!);
  assert.equal(checkSchema({ version: 1, containers: good }, pos, { clean }), []);
});

test.run();
