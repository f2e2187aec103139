// `tnet why` as text: the verdict, each hop, the rule that decides with its owner and field, the advice, drift.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderWhy } from '../../src/render/why.js';
import { applied, whyOn } from '../explain/sim.js';

const ICC = `version: 1
host: { icc: false }
containers:
  a: { expose: [80] }
  c: {}
`;

test('a blocked packet: the verdict, the hops, the DROP with its field, the advice, the probe', () => {
  const t = whyOn(applied(ICC), 'c', 'a:80');
  const text = renderWhy(t, { reached: false, detail: 'no answer in 1000 ms', agrees: true });
  assert.match(text, /^c \(172\.17\.0\.3\) → a \(172\.17\.0\.2\), tcp 80: BLOCKED\n/);
  assert.match(text, /✗ filter FORWARD +172\.17\.0\.3 → 172\.17\.0\.2:80 \(-i docker0 -o docker0\): dropped/);
  assert.match(text, /via FORWARD 1 → TNET-USER, TNET-USER 1 → RETURN, FORWARD 2 → TNET-ISOLATION-1, FORWARD 3 → TNET-FORWARD\n/);
  assert.match(text, /-A TNET-FORWARD -i docker0 -o docker0 -m comment --comment "tnet:sim" -j DROP\n +rule \d of TNET-FORWARD, spec sim: icc of docker0 \(bridges\.docker0\.icc\)/);
  assert.match(text, /to open it:\n  set bridges\.docker0\.icc: true/);
  assert.match(text, /probe: no answer in 1000 ms: did not get there; the kernel agrees/);
  assert.not.match(text, /reply:/, 'no reply to a packet that never arrives');
});

test('an allowed packet: its reply, where it arrives and as whom; a disagreeing probe is said loud', () => {
  const t = whyOn(applied(ICC.replace('icc: false', 'icc: true')), 'c', 'a:80');
  const text = renderWhy(t, { reached: false, detail: 'no answer in 1000 ms', agrees: false });
  assert.match(text, /ALLOWED/);
  assert.match(text, /reply:\n  · filter FORWARD +172\.17\.0\.2 → 172\.17\.0\.3 \(-i docker0 -o docker0\): accepted/);
  assert.match(text, /arrives at a \(172\.17\.0\.2:80\), seen from 172\.17\.0\.3/);
  assert.match(text, /the kernel DISAGREES with ALLOWED/);
});

test.run();
