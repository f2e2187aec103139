// JsonArrays: top-level JSON arrays split into their elements' texts, however the bytes are cut into chunks.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonArrays } from '../../src/util/json-arrays.js';

/** As `ip -j -batch` prints two commands: a line per array; strings with brackets, escapes and UTF-8. */
const LINKS = [
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
  { ifindex: 7, ifname: 'veth1', ifalias: 'a ] } [ { , "quoted" \\ back\\slash \\" é 😀', linkinfo: { info_kind: 'veth', info_slave_data: { hairpin: true } } },
  { ifindex: 8, ifname: 'br0', nested: [[1, [2, {}]], { a: { b: [] } }], empty: '' },
];
const ROUTES = [{ dst: 'default', gateway: '192.0.2.1', dev: 'eth0' }];
const TEXT = `${JSON.stringify(LINKS)}\n${JSON.stringify(ROUTES)}\n`;

function split(bytes: Buffer, cuts: number[]): { arrays: number; elements: [number, unknown][] } {
  const elements: [number, unknown][] = [];
  const docs = new JsonArrays((array, text) => elements.push([array, JSON.parse(text)]));
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    docs.push(bytes.subarray(at, cut));
    at = cut;
  }
  docs.end();
  return { arrays: docs.arrays, elements };
}

const expected = [...LINKS.map((l): [number, unknown] => [0, l]), ...ROUTES.map((r): [number, unknown] => [1, r])];

test('whole, in two pieces cut anywhere (inside a character too), and a byte at a time: the same elements', () => {
  const bytes = Buffer.from(TEXT, 'utf8');
  assert.equal(split(bytes, []), { arrays: 2, elements: expected });
  for (let cut = 1; cut < bytes.length; cut++) assert.equal(split(bytes, [cut]).elements, expected, `cut at ${cut}`);
  assert.equal(split(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)).elements, expected);
});

test('empty arrays have no element, and are counted', () => {
  assert.equal(split(Buffer.from('[]\n[ ]\n'), []), { arrays: 2, elements: [] });
});

test('what is not arrays of objects, or ends inside one, is an error', () => {
  assert.throws(() => split(Buffer.from('{"a":1}'), []), /not a JSON array/);
  assert.throws(() => split(Buffer.from('["x"]'), []), /not an array of objects/);
  assert.throws(() => split(Buffer.from('[{"a":[1,2]},{"b":'), [5]), /ended inside an array/);
});

test.run();
