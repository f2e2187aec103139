// The server's log: an upstream that keeps failing writes a line now and then, saying how many it held back.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lockName } from '../../src/dns/instance.js';
import { Log, Throttled } from '../../src/dns/log.js';

test('one line per key per period, the next one counting those held back', () => {
  const lines: string[] = [];
  let now = 0;
  const t = new Throttled(new Log((l) => lines.push(l.replace(/^\S+ /, ''))), 10_000, () => now);
  t.line('192.0.2.53', 'upstream 192.0.2.53: timeout');
  for (let i = 0; i < 5; i++) t.line('192.0.2.53', 'upstream 192.0.2.53: timeout');
  t.line('192.0.2.54', 'upstream 192.0.2.54: ECONNREFUSED');
  now = 10_001;
  t.line('192.0.2.53', 'upstream 192.0.2.53: timeout');
  assert.equal(lines, ['upstream 192.0.2.53: timeout\n', 'upstream 192.0.2.54: ECONNREFUSED\n', 'upstream 192.0.2.53: timeout (and 5 more since the last line)\n']);
});

test('the one-per-host lock is named after the folder, a long one by a hash', () => {
  assert.is(lockName('/run/tnet/dns'), 'tnet-dns:/run/tnet/dns');
  const long = `/tmp/${'x'.repeat(200)}`;
  assert.ok(Buffer.byteLength(lockName(long)) < 107);
  assert.is.not(lockName(long), lockName(`${long}y`));
});

test.run();
