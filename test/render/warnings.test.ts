// Warning lines: who still holds a deleted namespace, in one line however many they are.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderWarning } from '../../src/render/warnings.js';

const held = (n: number) => ({ code: 'netns-held' as const, netns: 'c12', holders: Array.from({ length: n }, (_, i) => ({ pid: 4242 + i, comm: i ? 'nginx' : 'sleep' })) });

test('names the namespace and each process', () => {
  assert.is(renderWarning(held(1)), 'namespace c12 is still held by pid 4242 (sleep): its veths are removed; that process keeps running without a network.');
  assert.is(renderWarning(held(2)), 'namespace c12 is still held by pids 4242 (sleep), 4243 (nginx): its veths are removed; those processes keep running without a network.');
});

test('many processes: the first few, and how many more', () => {
  assert.match(renderWarning(held(8)), /by pids 4242 \(sleep\), 4243 \(nginx\), 4244 \(nginx\), 4245 \(nginx\), 4246 \(nginx\), and 3 more: /);
});

test.run();
