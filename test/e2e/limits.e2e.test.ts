// End to end, as root in throwaway namespaces: the kernel's limits refused before acting, or lived with.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Sandbox, TNET } from '../helpers/sandbox.js';
import { Watch } from '../helpers/watch.js';

const t = suite('kernel limits');

/** A spec of `n` containers on one bridge (a /22 holds 1021). */
const many = (n: number, name = 'many') =>
  `version: 1\nname: ${name}\nbridges:\n  b0: { subnet: 10.80.0.0/22 }\ncontainers:\n${Array.from({ length: n }, (_, i) => `  c${i}: { bridge: b0 }\n`).join('')}`;

/** tnet in the sandbox with its limit of open files lowered first (`-S`: the soft one only). */
async function tnetWithFiles(box: Sandbox, ulimit: string, ...args: string[]) {
  return box.run(['sh', '-c', `ulimit ${ulimit} && exec "$@"`, 'sh', ...TNET, ...args]);
}

async function nothingCreated(box: Sandbox): Promise<void> {
  assert.is((await box.must('ip netns list')).trim(), '', 'no namespace created');
  assert.is((await box.sh('ip link show b0')).code, 1, 'no bridge created');
}

t('600 containers under a soft limit of 256 open files: ip gets the hard limit, and the apply goes through', async () => {
  const box = await Sandbox.create();
  try {
    const spec = box.writeSpec('many.yaml', many(600));
    // 1,200 neighbour entries is past the machine's default gc_thresh3 (1024), which a namespace other than
    // the first cannot read: not checked here, so not refused.
    const r = await tnetWithFiles(box, '-S -n 256', 'apply', '-f', spec);
    assert.is(r.code, 0, r.stderr + r.stdout);
    assert.is((await box.must('ip netns list | wc -l')).trim(), '600');
    assert.is((await box.must('ip -o link show master b0 | wc -l')).trim(), '600');
    const again = await tnetWithFiles(box, '-S -n 256', 'apply', '-f', spec);
    assert.match(again.stdout, 'No changes');
    const gone = await tnetWithFiles(box, '-S -n 256', 'destroy', '-f', spec);
    assert.is(gone.code, 0, gone.stderr + gone.stdout);
    assert.is((await box.must('ip netns list | wc -l')).trim(), '0');
  } finally {
    await box.destroy();
  }
});

t('600 containers under a hard limit of 256 open files: refused before any action, naming the limit', async () => {
  const box = await Sandbox.create();
  try {
    const spec = box.writeSpec('many.yaml', many(600));
    const r = await tnetWithFiles(box, '-n 256', 'apply', '-f', spec);
    assert.is(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stderr, 'error[host-limit]: the plan creates 600 veths in namespaces');
    assert.match(r.stderr, 'hard limit (RLIMIT_NOFILE) of 256');
    assert.match(r.stderr, 'nothing was changed.');
    await nothingCreated(box);
    // Smaller steps fit.
    const part = box.writeSpec('part.yaml', many(200));
    assert.is((await tnetWithFiles(box, '-n 256', 'apply', '-f', part)).code, 0);
  } finally {
    await box.destroy();
  }
});

// user.max_net_namespaces is per user namespace: lowered only in the sandbox's own, never the machine's.
t('more namespaces than user.max_net_namespaces: refused before any action, counting the sandbox\'s own', async () => {
  const box = await Sandbox.create({ ownUsers: true });
  try {
    // The sandbox's own network namespace counts: 1 + 4 fit, 1 + 5 do not.
    await box.must('echo 5 > /proc/sys/user/max_net_namespaces');
    const five = box.writeSpec('five.yaml', many(5, 'five'));
    const r = await box.tnet('apply', '-f', five);
    assert.is(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stderr, 'error[host-limit]: the plan creates 5 network namespaces where 1 exist already, more than user.max_net_namespaces = 5');
    assert.match(r.stderr, 'sysctl -w user.max_net_namespaces=');
    await nothingCreated(box);
    const four = box.writeSpec('four.yaml', many(4, 'five'));
    const ok = await box.tnet('apply', '-f', four);
    assert.is(ok.code, 0, ok.stderr + ok.stdout);
    // A re-apply creates none and is not refused for those that exist.
    assert.is((await box.tnet('apply', '-f', four)).code, 0);
    assert.is((await box.tnet('apply', '-f', five)).code, 3, 'one more is refused');
    assert.is((await box.must('ip netns list | wc -l')).trim(), '4');
  } finally {
    await box.destroy();
  }
});

// user.max_inotify_watches is per user namespace too: the machine's fs.inotify.* is left alone.
t('tnet watch that inotify cannot serve exits at start with the limit to raise, before any reconcile', async () => {
  const box = await Sandbox.create({ ownUsers: true });
  try {
    await box.must('echo 20 > /proc/sys/user/max_inotify_watches');
    const spec = box.writeSpec('many.yaml', many(30));
    const w = Watch.start(box, spec);
    const { code } = await w.exited;
    assert.is(code, 3, w.stderr + JSON.stringify(w.lines));
    const line = w.lines.find((l) => l.level === 'error');
    assert.match(String(line?.message), 'tnet watch needs 33 inotify watches (the spec, /etc/netns and its 30 folders)');
    assert.match(String(line?.message), 'max_user_watches = 20');
    assert.match(JSON.stringify(line), 'sysctl -w fs.inotify.max_user_watches=');
    assert.is((await box.must('ip netns list')).trim(), '', 'nothing reconciled');
  } finally {
    await box.destroy();
  }
});

t('inotify refusing a watch later is said once, as error[host-limit], and the edit is still applied', async () => {
  const box = await Sandbox.create({ ownUsers: true });
  try {
    // Enough at start for 3 containers (1 + 1 + 1 + 3 = 6 watches), not for the 12 an edit brings.
    await box.must('echo 8 > /proc/sys/user/max_inotify_watches');
    const spec = box.writeSpec('many.yaml', many(3));
    const w = Watch.start(box, spec, '--resync', '0');
    await w.ready();
    const from = w.lines.length;
    box.writeSpec('many.yaml', many(12));
    await w.waitFor((l) => l.message.startsWith('applied'), 10_000, from);
    const refused = await w.waitFor((l) => l.level === 'error', 5000, from);
    assert.match(refused.message, /^watching \/etc\/netns\/c\d+ failed: .*max_user_watches allows/);
    assert.match(JSON.stringify(refused), 'sysctl -w fs.inotify.max_user_watches=');
    assert.is((await box.must('ip netns list | wc -l')).trim(), '12');
    // The next edit is applied too (the unwatched folders' files read afresh), and the refusal not said again.
    const next = w.lines.length;
    box.writeSpec('many.yaml', many(11));
    await w.waitFor((l) => l.message.startsWith('applied'), 10_000, next);
    assert.is(w.lines.filter((l) => l.level === 'error').length, 1, 'said once');
    assert.is(await w.stop(), 0);
  } finally {
    await box.destroy();
  }
});

t.run();
