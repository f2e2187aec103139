// End to end, as root in throwaway namespaces: a failing or garbled `ip` ends as a tnet error or a reported bug, not a stack trace.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, type RunResult, TNET } from '../helpers/sandbox.js';

const QUICKSTART = readFileSync('examples/quickstart.yaml', 'utf8');
const t = suite<{ box: Sandbox; spec: string }>('errors');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.spec = ctx.box.writeSpec('quickstart.yaml', QUICKSTART);
});
t.after.each(async (ctx) => {
  await ctx.box.destroy();
});

/** Runs tnet with a fake `ip` first in PATH: `script` is its body. */
async function withFakeIp(box: Sandbox, script: string, env: string[], ...args: string[]): Promise<RunResult> {
  const bin = join(box.dir, 'fake-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'ip'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'ip'), 0o755);
  return box.run(['env', ...env, `PATH=${bin}:${process.env.PATH}`, ...TNET, ...args]);
}

// A frame of the bundle (a path: it is compiled as a script) or of a module or Node itself (a URL).
const STACK_FRAME = /^\s+at .*\(?(file:|node:|\/\S+:\d+:\d+)/m;

t('a failing ip: error[observe] naming it and its stderr, a hint, nothing changed, exit 1', async ({ box, spec }) => {
  const r = await withFakeIp(box, 'echo "RTNETLINK answers: Operation not permitted" >&2; exit 2', [], 'apply', '-f', spec);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^error\[observe\]: ip failed reading the host: RTNETLINK answers: Operation not permitted$/m);
  assert.match(r.stderr, /^ {2}hint: .*ip -j -d addr show/m);
  assert.match(r.stderr, /\n\nnothing was changed\.$/);
  assert.not.match(r.stderr, STACK_FRAME);
  assert.is((await box.sh('ip link show docker0')).code, 1, 'nothing created');
  // The lock was released on the way out: a real apply now goes through.
  assert.is((await box.tnet('apply', '-f', spec)).code, 0);
});

t('plan and status with a failing ip: the same error, exit 1', async ({ box, spec }) => {
  const fake = 'echo "ip: broken" >&2; exit 1';
  for (const args of [['plan', '-f', spec], ['status', '-f', spec], ['status']]) {
    const r = await withFakeIp(box, fake, [], ...args);
    assert.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error\[observe\]: ip failed reading the host: ip: broken$/m, args.join(' '));
    assert.not.match(r.stderr, STACK_FRAME, args.join(' '));
  }
});

t('an ip answering garbage: an internal error in one line asking for a report, exit 70; TNET_DEBUG=1 adds the stack', async ({ box, spec }) => {
  const garbled = 'printf "[{\\"ifname\\":\\n"';
  const r = await withFakeIp(box, garbled, [], 'apply', '-f', spec);
  assert.is(r.code, 70, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.is(lines.length, 2, r.stderr);
  assert.match(lines[0], /^tnet: internal error: \S/);
  assert.match(lines[1], new RegExp(`please report it with the command that failed: tnet apply -f ${spec.replace(/\./g, '\\.')} \\(TNET_DEBUG=1`));
  const debug = await withFakeIp(box, garbled, ['TNET_DEBUG=1'], 'apply', '-f', spec);
  assert.is(debug.code, 70);
  assert.match(debug.stderr, /^tnet: internal error: /);
  assert.match(debug.stderr, STACK_FRAME);
  assert.is((await box.tnet('apply', '-f', spec)).code, 0, 'the lock was released');
});

t.run();
