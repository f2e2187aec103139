// End to end, as root in throwaway namespaces: prune and destroy of namespaces that processes are still inside.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyOk, Sandbox } from '../helpers/sandbox.js';

const t = suite<{ box: Sandbox; pids: string[] }>('held');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.pids = [];
});
t.after.each(async (ctx) => {
  // The sleepers outlive the sandbox's namespaces: ended here, by their own pids.
  if (ctx.pids.length) await ctx.box.sh(`kill ${ctx.pids.join(' ')}`);
  await ctx.box.destroy();
});

const THREE = 'version: 1\ncontainers:\n  a: {}\n  b: {}\n  c: {}\n';

/** Starts `sleep 1000` inside a container's namespace and returns its pid once it is in there. */
async function sleeper(box: Sandbox, pids: string[], netns: string): Promise<string> {
  const pid = (await box.must(`nsenter --net=/run/netns/${netns} sleep 1000 > /dev/null 2>&1 & echo $!`)).trim();
  pids.push(pid);
  await box.must(`for i in $(seq 100); do [ "$(stat -L -c %i /proc/${pid}/ns/net)" = "$(stat -L -c %i /run/netns/${netns})" ] && exit 0; sleep 0.02; done; exit 1`);
  return pid;
}

/** The host end of each container's veth, by container, from the marks on the bridge's ports. */
async function hostEnds(box: Sandbox): Promise<Record<string, string>> {
  const ports = await box.json('ip -j -d link show type veth');
  return Object.fromEntries(ports.map((p: any) => [/\/veth\/([^@/]+)/.exec(p.ifalias ?? '')?.[1] ?? '?', p.ifname]));
}

const gone = async (box: Sandbox, dev: string) => (await box.sh(`ip link show dev ${dev}`)).code !== 0;
const alive = async (box: Sandbox, pid: string) => (await box.sh(`kill -0 ${pid}`)).code === 0;
/** The interfaces a process's namespace has left. */
const linksOf = async (box: Sandbox, pid: string) => (await box.json(`nsenter --net=/proc/${pid}/ns/net ip -j link show`)).map((l: any) => l.ifname);

t('prune: veths of held namespaces are gone when apply returns, and each holder is named', async ({ box, pids }) => {
  const spec = box.writeSpec('held.yaml', THREE);
  await applyOk(box, spec);
  const ends = await hostEnds(box);
  const [a, b] = [await sleeper(box, pids, 'a'), await sleeper(box, pids, 'b')];
  box.writeSpec('held.yaml', 'version: 1\ncontainers:\n  c: {}\n');
  const r = await box.tnet('apply', '-f', spec);
  assert.is(r.code, 0, r.stderr);
  assert.ok(await gone(box, ends.a), 'a\'s veth is gone');
  assert.ok(await gone(box, ends.b), 'b\'s veth is gone');
  assert.match(r.stderr, new RegExp(`^warning: namespace a is still held by pid ${a} \\(sleep\\): its veths are removed; that process keeps running without a network\\.$`, 'm'));
  assert.match(r.stderr, new RegExp(`^warning: namespace b is still held by pid ${b} \\(sleep\\)`, 'm'));
  assert.is(r.stderr.split('\n').filter((l) => l.startsWith('warning:')).length, 2, 'c was not pruned, nor held');
  assert.ok(await alive(box, a));
  assert.ok(await alive(box, b));
  assert.equal(await linksOf(box, a), ['lo']);
  assert.is((await box.sh('test -e /run/netns/a')).code, 1, 'the name is gone');
  assert.ok(await box.ping(null, '172.17.0.4'), 'host -> c');
  assert.ok(await box.ping('c', '172.17.0.1'), 'c -> gateway');
  assert.match(await applyOk(box, spec), /No changes/);
});

t('prune of idle namespaces warns of nothing, and a held one re-created gets a fresh namespace', async ({ box, pids }) => {
  const spec = box.writeSpec('held.yaml', THREE);
  await applyOk(box, spec);
  const a = await sleeper(box, pids, 'a');
  box.writeSpec('held.yaml', 'version: 1\ncontainers:\n  a: {}\n');
  const pruned = await box.tnet('apply', '-f', spec);
  assert.is(pruned.code, 0, pruned.stderr);
  assert.not.match(pruned.stderr, /warning/, 'b and c were idle');
  // a stays: the sleeper keeps its network. Removed and added back, a gets a namespace of its own again.
  assert.ok(await box.ping(null, '172.17.0.2'));
  box.writeSpec('held.yaml', 'version: 1\ncontainers: {}\n');
  assert.match((await box.tnet('apply', '-f', spec)).stderr, /namespace a is still held/);
  box.writeSpec('held.yaml', 'version: 1\ncontainers:\n  a: {}\n');
  await applyOk(box, spec);
  assert.ok(await box.ping('a', '172.17.0.1'), 'the new a reaches its gateway');
  assert.equal(await linksOf(box, a), ['lo'], 'the sleeper stays in the old one');
  assert.match(await applyOk(box, spec), /No changes/);
});

t('destroy: the same, and a second destroy finds nothing to do', async ({ box, pids }) => {
  const spec = box.writeSpec('held.yaml', THREE);
  await applyOk(box, spec);
  const ends = await hostEnds(box);
  const [a, c] = [await sleeper(box, pids, 'a'), await sleeper(box, pids, 'c')];
  const r = await box.tnet('destroy', '-f', spec);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Destroy complete/);
  for (const dev of Object.values(ends)) assert.ok(await gone(box, dev), `${dev} is gone`);
  assert.ok(await gone(box, 'docker0'));
  assert.match(r.stderr, new RegExp(`^warning: namespace a is still held by pid ${a} \\(sleep\\)`, 'm'));
  assert.match(r.stderr, new RegExp(`^warning: namespace c is still held by pid ${c} \\(sleep\\)`, 'm'));
  assert.not.match(r.stderr, /namespace b /);
  assert.ok(await alive(box, a));
  assert.ok(await alive(box, c));
  assert.equal(await linksOf(box, c), ['lo']);
  assert.is((await box.sh('ls /run/netns')).stdout.trim(), '');
  const again = await box.tnet('destroy', '-f', spec);
  assert.is(again.code, 0);
  assert.match(again.stdout, /No changes/);
});

t.run();
