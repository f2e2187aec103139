// End to end at a size past the old cliffs: 2,100 containers over three bridges, a no-op that enters nothing.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Sandbox, TNET } from '../helpers/sandbox.js';

const t = suite('scale');
const N = 2100;
/** The holders' sleep, of a length no other run on the machine uses: pgrep sees every process of the host. */
const HOLD = `sleep ${86_000 + Math.floor(Math.random() * 10_000)}`;

/** ⌈N/1000⌉ bridges, as a test lab spreads containers (a Linux bridge takes at most 1023 ports). */
function spec(n: number, drop: (i: number) => boolean = () => false): string {
  const lines = ['version: 1', 'name: lab', 'bridges:'];
  for (let k = 0; k < Math.ceil(n / 1000); k++) lines.push(`  br${k}: {subnet: 10.${60 + k}.0.0/16}`);
  lines.push('containers:');
  for (let i = 0; i < n; i++) if (!drop(i)) lines.push(`  c${i}: {bridge: br${Math.floor(i / 1000)}, ports: ["${20000 + i}:80"]}`);
  return `${lines.join('\n')}\n`;
}

/** The commands a run started, from TNET_EXEC_LOG: [program, ...args, first line of input]. */
function commands(path: string): string[][] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
}

t(`${N} containers: the re-apply reads the host side only, enters no namespace, changes nothing`, async () => {
  const box = await Sandbox.create();
  try {
    const file = box.writeSpec('lab.yaml', spec(N));
    const first = await box.tnet('apply', '-f', file);
    assert.is(first.code, 0, first.stderr + first.stdout);
    assert.is((await box.must('ls /run/netns | wc -l')).trim(), String(N));
    assert.ok(await box.ping('c2099', '10.62.0.1'), 'the last container reaches its gateway');
    const log = join(box.dir, 'exec.log');
    const again = await box.run(['env', `TNET_EXEC_LOG=${log}`, ...TNET, 'apply', '-f', file]);
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, 'No changes');
    const cmds = commands(log);
    const entered = cmds.filter(([cmd, ...rest]) => cmd === 'nsenter' || (cmd === 'perl' && rest.includes('--read')) || (cmd === 'sh' && rest.join(' ').includes('nsenter')));
    assert.equal(entered, [], 'no namespace entered');
    assert.not.ok(cmds.some(([cmd, ...rest]) => cmd === 'ip' && !rest.includes('-j')), 'no ip command that changes anything');
    assert.not.ok(cmds.some(([cmd]) => cmd.endsWith('-restore')), 'no restore');
  } finally {
    await box.destroy();
  }
});

t(`${N} containers, a tenth pruned while processes hold half of those: every veth goes, each held one is named`, async () => {
  const box = await Sandbox.create();
  try {
    const file = box.writeSpec('lab.yaml', spec(N));
    assert.is((await box.tnet('apply', '-f', file)).code, 0);
    const gone = (i: number) => i % 10 === 3;
    const held = Array.from({ length: N }, (_, i) => i).filter((i) => gone(i) && i % 20 === 3);
    await box.must(`for i in ${held.join(' ')}; do nsenter --net=/run/netns/c$i ${HOLD} </dev/null >/dev/null 2>&1 & done; sleep 1`);
    box.writeSpec('lab.yaml', spec(N, gone));
    const r = await box.tnet('apply', '-f', file);
    assert.is(r.code, 0, r.stderr + r.stdout);
    const warned = r.stderr.split('\n').filter((l) => /namespace c\d+ is still held by pid \d+/.test(l));
    assert.is(warned.length, held.length, r.stderr.slice(0, 2000));
    const kept = N - Array.from({ length: N }, (_, i) => i).filter(gone).length;
    assert.is((await box.must('ip -o link show type veth | wc -l')).trim(), String(kept), 'only the kept veths remain');
    assert.is((await box.must(`pgrep -f '^${HOLD}$' | wc -l`)).trim(), String(held.length), 'the holders live on');
    assert.match((await box.tnet('apply', '-f', file)).stdout, 'No changes');
  } finally {
    // Whatever failed: the holders must not outlive the test.
    await box.sh(`pkill -f '^${HOLD}$'`).catch(() => undefined);
    await box.destroy();
  }
});

t.run();
