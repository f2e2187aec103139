// The progress line: phases drawn in place on a terminal, nothing at all on anything else.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progressText, terminalProgress } from '../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (t: string) => written.push(t) };
}

test('not a terminal: no progress at all', () => {
  const s = stream(false);
  assert.is(terminalProgress(s, 'apply', {}), null);
  assert.is(terminalProgress({ write: () => true }, 'apply', {}), null, 'a stream that does not say is no terminal');
  assert.is(terminalProgress(stream(true), 'apply', { TERM: 'dumb' }), null);
});

test('a terminal: each phase overwrites the line; the end clears it', () => {
  const s = stream(true);
  const p = terminalProgress(s, 'destroy', {})!;
  p.phase('reading the host', 0);
  p.phase('prune batch', 1200);
  p.end();
  assert.is(s.written.length, 3);
  assert.match(s.written[0], /^\r\x1b\[2Ktnet destroy: reading the host, \d+\.\d s$/);
  assert.match(s.written[1], /^\r\x1b\[2Ktnet destroy: prune batch \(1200 actions\), \d+\.\d s$/);
  assert.is(s.written[2], '\r\x1b[2K');
  p.end();
  assert.is(s.written.length, 3, 'ended once: nothing more');
});

test('the text: the phase, its actions, the time since the start', () => {
  assert.is(progressText('apply', 'inside namespaces', 1, 4230), 'tnet apply: inside namespaces (1 action), 4.2 s');
  assert.is(progressText('apply', 'planning', 0, 50), 'tnet apply: planning, 0.1 s');
});

test.run();
