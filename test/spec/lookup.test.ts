import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSources } from '../../src/spec/load.js';
import { containersOf } from '../../src/spec/lookup.js';

const names = (text: string): string[] => {
  const r = parseSources([{ file: 't.yaml', text }], 't', 'h');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const list = containersOf(r.value);
  assert.is(containersOf(r.value), list, 'listed once per spec');
  return list.map((c) => c.name);
};

test('containersOf: the order of Object.values, array-index names first as objects list them', () => {
  assert.equal(names('version: 1\ncontainers:\n  web: {}\n  db: {}\n  api: {}\n'), ['web', 'db', 'api']);
  const odd = 'version: 1\ncontainers:\n  web: {}\n  "42": {}\n  "7": {}\n  db: {}\n';
  assert.equal(names(odd), ['7', '42', 'web', 'db']);
});

test.run();
