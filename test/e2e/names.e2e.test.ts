// End to end, as root in throwaway namespaces: host veth names that share a hash, or that a foreign interface holds, still apply.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyOk, Sandbox } from '../helpers/sandbox.js';
import { hostIfName } from '../../src/ownership/marks.js';

const t = suite<{ box: Sandbox }>('names');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
});
t.after.each(async (ctx) => {
  await ctx.box.destroy();
});

// c2754 and c468 share their first candidate (veth30f697f); c3's first candidate is taken below by a foreign
// veth (as another tool's would be; a dummy would do, but not every kernel has the module).
const SPEC = `version: 1
name: net
bridges:
  br1: { subnet: 10.77.0.0/24 }
containers:
  c2754: {}
  c468: {}
  c3: {}
`;

const name = (container: string, attempt = 0) => hostIfName('net', container, 'br1', attempt);

/** The foreign interface as `ip` shows it, minus the counters the kernel moves by itself. */
const foreign = async (box: Sandbox) => {
  const [l] = await box.json(`ip -j -d link show ${name('c3')}`);
  return { ifindex: l.ifindex, kind: l.linkinfo?.info_kind, alias: l.ifalias ?? null, master: l.master ?? null, address: l.address };
};

t('two containers sharing a hash and one whose name a foreign interface holds: applied, wired, re-applied, destroyed', async ({ box }) => {
  assert.is(name('c2754'), name('c468'), 'the pair shares its first candidate');
  await box.must(`ip link add ${name('c3')} type veth peer name foreign0`);
  const before = await foreign(box);
  const spec = box.writeSpec('net.yaml', SPEC);

  await applyOk(box, spec);
  const ports = (await box.json(`ip -j link show master br1`)).map((l: any) => l.ifname).sort();
  assert.equal(ports, [name('c2754'), name('c468', 1), name('c3', 1)].sort());
  const ips = Object.fromEntries(
    await Promise.all(['c2754', 'c468', 'c3'].map(async (c) => [c, (await box.json(`ip -n ${c} -j -4 addr show eth0`))[0].addr_info[0].local])),
  );
  for (const from of ['c2754', 'c468', 'c3']) {
    assert.ok(await box.ping(from, '10.77.0.1'), `${from} -> gateway`);
    for (const to of ['c2754', 'c468', 'c3'].filter((c) => c !== from)) assert.ok(await box.ping(from, ips[to]), `${from} -> ${to}`);
  }
  assert.equal(await foreign(box), before, 'the foreign interface is untouched');

  assert.match(await applyOk(box, spec), /No changes/);

  const destroy = await box.tnet('destroy', '-f', spec);
  assert.is(destroy.code, 0, destroy.stderr);
  const left = (await box.json('ip -j link show')).map((l: any) => l.ifname).sort();
  assert.equal(left, ['foreign0', 'lo', name('c3')].sort(), 'only tnet\'s links are gone');
  assert.equal(await foreign(box), before, 'the foreign interface survives destroy');
  assert.is((await box.sh('ls /run/netns')).stdout.trim(), '');
});

t('names stay where the first apply put them once what was in the way is gone', async ({ box }) => {
  await box.must(`ip link add ${name('c3')} type veth peer name foreign0`);
  const spec = box.writeSpec('net.yaml', SPEC);
  await applyOk(box, spec);
  await box.must(`ip link del ${name('c3')}`);
  assert.match(await applyOk(box, spec), /No changes/);
  const plan = await box.tnet('plan', '-f', spec, '--deep', '--exit-code');
  assert.is(plan.code, 0, plan.stdout + plan.stderr);
  assert.is((await box.sh(`ip link show ${name('c3', 1)}`)).code, 0);
});

t.run();
