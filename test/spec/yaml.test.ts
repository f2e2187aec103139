// YAML errors carry file:line:col and the line; positions are indexed by field path.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { joinPath, lookupPos, parseYaml, writtenIn } from '../../src/spec/yaml.js';

function yamlError(text: string) {
  const r = parseYaml('f.yaml', text);
  assert.not.ok(r.ok, 'should fail');
  return r.ok ? null! : r.errors[0];
}

test('syntax error: code yaml, position and line text', () => {
  const e = yamlError('version: 1\ncontainers:\n  a:\n    ports: [80,\n  b: {}\n');
  assert.is(e.code, 'yaml');
  assert.is(e.pos!.file, 'f.yaml');
  assert.is(e.pos!.line, 5);
  assert.is(e.pos!.col, 3);
  assert.is(e.pos!.lineText, '  b: {}');
});

test('unclosed quote', () => {
  const e = yamlError("version: 1\nname: 'abc\n");
  assert.is(e.code, 'yaml');
  assert.match(e.message, /quote/);
});

test('tab indentation', () => {
  const e = yamlError('containers:\n\ta: {}\n');
  assert.is(e.pos!.line, 2);
  assert.match(e.message, /[Tt]ab/);
});

test('duplicate keys are errors naming the key', () => {
  const e = yamlError('version: 1\ncontainers:\n  a: {}\n  a: {}\n');
  assert.is(e.code, 'yaml');
  assert.match(e.message, /duplicate key "a"/);
  assert.equal([e.pos!.line, e.pos!.col], [4, 3]);
});

test('several documents in one file', () => {
  const e = yamlError('version: 1\n---\nversion: 1\n');
  assert.match(e.message, /one YAML document/);
});

test('unresolved alias', () => {
  const e = yamlError('version: 1\nname: *nope\n');
  assert.is(e.code, 'yaml');
});

test('positions of keys and values by path', () => {
  const r = parseYaml('f.yaml', 'version: 1\ncontainers:\n  nginx-2:\n    ip: 172.17.0.3\n    ports:\n      - "8080:80"\n      - 81\n  empty:\n');
  assert.ok(r.ok);
  if (!r.ok) return;
  const pos = r.value.pos;
  const at = (p: string, kind: 'value' | 'key' = 'value') => {
    const x = lookupPos(pos, p, kind)!;
    return [x.line, x.col];
  };
  assert.equal(at('containers.nginx-2.ip'), [4, 9]);
  assert.equal(at('containers.nginx-2.ip', 'key'), [4, 5]);
  assert.equal(at('containers.nginx-2.ports[1]'), [7, 9]);
  assert.equal(at('containers.empty'), [8, 3]); // nothing after the colon: the key
  assert.equal(at('containers.nginx-2.mac'), [3, 3]); // not written: its parent
  assert.equal(r.value.value, { version: 1, containers: { 'nginx-2': { ip: '172.17.0.3', ports: ['8080:80', 81] }, empty: null } });
});

test('joinPath', () => {
  assert.is(joinPath(['containers', 'a', 'ports', 0]), 'containers.a.ports[0]');
  assert.is(joinPath([]), '');
});

test('writtenIn holds exactly the paths the positions index, names with dots included', () => {
  const text = 'version: 1\ncontainers:\n  web.1:\n    ports: ["80", "443"]\n    hostname: w\n  db: {}\n  web: {networks: {a: {ip: 10.0.0.2}}}\n';
  const r = parseYaml('f.yaml', text);
  assert.ok(r.ok);
  const parsed = (r as { value: { value: unknown; pos: { value: Map<string, unknown> } } }).value;
  const written = writtenIn(parsed.value);
  for (const path of parsed.pos.value.keys()) assert.ok(written(path), path);
  for (const path of ['containers.web.1.ports[2]', 'containers.db.hostname', 'containers.web.hostname', 'containers.web.networks.b', 'host', 'containers.web.1.ports[0].x']) {
    assert.not.ok(written(path), path);
  }
});

test.run();
