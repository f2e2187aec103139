// The fast reader yields the `yaml` library's value for every document it accepts, and declines the rest.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDocument } from 'yaml';
import { fastLoad } from '../../src/spec/yaml-fast.js';

/** What the library makes of a text: its value, or 'error'. */
function library(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length ? 'error' : doc.toJS();
}

const SCALARS = [
  '1', '-1', '+1', '012', '0o17', '0x1F', '0b101', '1_000', '0o8', '0xG',
  '1.5', '.5', '1.', '-.5', '1e3', '1.5E-3', '+.inf', '-.Inf', '.nan', '.NaN', '1e', '.', '-',
  'true', 'True', 'TRUE', 'tRue', 'yes', 'no', 'on', 'off', 'y', 'n',
  '~', 'null', 'Null', 'NULL', 'nUll', '', '2001-12-14', '12:30', '8080:80', '"8080:80"', "'80'", '!!str 80',
  '172.17.0.1', '::1', '"a\\tb"', 'a b', '"\\u00e9"', '0.0.0.0:80:80/udp',
];

test('every core scalar as the library reads it, as a value and as a key', () => {
  for (const s of SCALARS) {
    for (const text of [`v: ${s}\n`, `${s || '""'}: x\n`, `- ${s}\n`]) {
      const lib = library(text);
      const fast = fastLoad(text);
      if (fast) assert.equal(fast.value, lib, `${JSON.stringify(text)}`);
      else assert.ok(true);
    }
  }
});

test('a whole spec: the same value', () => {
  const text = [
    'version: 1',
    'host: {ipForward: true, icc: false}',
    'bridges:',
    '  docker0: {subnet: 172.17.0.0/16, mtu: 1450}',
    'containers:',
    '  web:',
    '    ports: ["8080:80", 53/udp, "127.0.0.1::443"]',
    '    dns: [192.0.2.53]',
    '    links: ["db:database"]',
    '  db: {}',
    '  # a comment',
    '  cache: {network: "container:web"}',
    '',
  ].join('\n');
  assert.equal(fastLoad(text)?.value, library(text));
});

test('declines what the library must word or bound: duplicates, several documents, aliases, bad syntax', () => {
  for (const text of ['a: 1\na: 2\n', 'a: 1\n---\nb: 2\n', 'a: &x {b: 1}\nc: *x\n', 'a: [1,\n', 'a: !!binary aGVsbG8=\n']) {
    assert.is(fastLoad(text), undefined, text);
  }
});

test('an empty document is null, as the library has it', () => {
  assert.equal(fastLoad('')?.value, library(''));
  assert.equal(fastLoad('# only a comment\n')?.value, library('# only a comment\n'));
});

test.run();
