// tnet watch end to end, as root in throwaway namespaces: edits, bad edits, drift, the lock, crashes, signals.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/sandbox.js';
import { until, Watch } from '../helpers/watch.js';

const t = suite<{ box: Sandbox; spec: string; watches: Watch[]; boxes: Sandbox[] }>('watch');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.spec = join(ctx.box.dir, 'net.yaml');
  ctx.watches = [];
  ctx.boxes = [];
});
t.after.each(async (ctx) => {
  for (const w of ctx.watches) await w.kill();
  for (const b of [ctx.box, ...ctx.boxes]) await b.destroy();
});

function specText(containers: string[], extra = ''): string {
  const body = containers.map((c) => `  ${c}: {}`).join('\n');
  return `version: 1\nbridges:\n  br-w:\n    subnet: 10.77.0.0/24\ncontainers:\n${body || '  {}'}\n${extra}`;
}

/** As editors save: a temporary file renamed over the spec. */
function save(path: string, text: string): void {
  writeFileSync(`${path}.tmp~`, text);
  renameSync(`${path}.tmp~`, path);
}

function start(ctx: { box: Sandbox; spec: string; watches: Watch[] }, ...extra: string[]): Watch {
  const w = Watch.start(ctx.box, ctx.spec, ...extra);
  ctx.watches.push(w);
  return w;
}

/** The sandbox's /run/netns seen from here: cheap enough to poll every few ms. */
const netnsIn = (box: Sandbox): string[] => {
  try {
    return readdirSync(`/proc/${box.pid}/root/run/netns`);
  } catch {
    return [];
  }
};

const hasAddr = async (box: Sandbox, ns: string) => /10\.77\.0\.\d+/.test((await box.sh(`ip -n ${ns} -4 -br addr show eth0`)).stdout);

/** c1 publishing `port`, as specText otherwise. */
const withPort = (port: number, containers = ['c1']) => specText(containers).replace('  c1: {}', `  c1:\n    ports: ["${port}:80"]`);

/** The chains that publishing a port fills (the shared ones and br-w's), as iptables -S prints them. */
const tnetRules = async (box: Sandbox) =>
  (await box.must('iptables -S TNET-FORWARD; iptables -S TNET-PORTS-br-w 2>/dev/null; iptables -t nat -S TNET; iptables -t nat -S TNET-DNAT-br-w 2>/dev/null; true')).trim();

/**
 * Damages the host (`damage`), waits until `read()` gives back what it gave before, and checks that the
 * reconcile which repaired it was triggered by an event, not an edit or the resync. Returns how long it took.
 */
async function repairedByEvent(w: Watch, read: () => Promise<string>, damage: () => Promise<unknown>, what: string, logMs = 100): Promise<number> {
  const before = await read();
  const from = w.lines.length;
  await damage();
  const took = await until(async () => (await read()) === before, 2000, what);
  // The line comes once the apply is verified: `logMs` covers a verify that enters a namespace.
  const fixed = await w.waitFor((l) => l.message.startsWith('applied'), logMs, from);
  assert.is(fixed.trigger, 'kernel');
  return took;
}

t('an added container is applied within 1 s, a removed one pruned; an idle host logs nothing; SIGTERM exits 0', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, specText(['c1']));
  const w = start(ctx, '--resync', '300ms');
  await w.ready();
  assert.ok(await hasAddr(box, 'c1'), 'c1 applied at start');

  const idleFrom = w.lines.length;
  await new Promise((r) => setTimeout(r, 1200)); // four resync ticks and the kernel's own after-effects
  assert.equal(w.lines.slice(idleFrom), [], 'an idle host logs nothing at info');

  const from = w.lines.length;
  save(spec, specText(['c1', 'c2']));
  const added = await until(() => hasAddr(box, 'c2'), 1000, 'c2 wired within 1 s of the edit');
  const applied = await w.waitFor((l) => l.message.startsWith('applied'), 1000, from);
  assert.match(String(applied.trigger), /spec|resync/, 'the edit, or a resync that read it first');
  assert.ok((applied.detail as string[]).some((d) => d.includes('netns c2')), 'the log lists the actions');
  console.log(`    edit -> c2 wired: ${Math.round(added)} ms (reconcile ${applied.ms} ms)`);

  save(spec, specText(['c2']));
  const pruned = await until(
    async () => !netnsIn(box).includes('c1') && (await box.sh('test -e /etc/netns/c1 || ip link show | grep -q "/c1$"')).code !== 0,
    1000,
    'c1 pruned: namespace, files and veth',
  );
  console.log(`    edit -> c1 pruned: ${Math.round(pruned)} ms`);
  assert.ok(await hasAddr(box, 'c2'), 'c2 untouched');
  assert.is(await w.stop('SIGTERM'), 0);
});

t('a pruned namespace a process still holds: its veth goes at once, and the holder is logged', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, specText(['c1', 'c2']));
  const w = start(ctx);
  await w.ready();
  const pid = (await box.must('nsenter --net=/run/netns/c1 sleep 1000 > /dev/null 2>&1 & echo $!')).trim();
  try {
    await box.must(`for i in $(seq 100); do [ "$(stat -L -c %i /proc/${pid}/ns/net)" = "$(stat -L -c %i /run/netns/c1)" ] && exit 0; sleep 0.02; done; exit 1`);
    const from = w.lines.length;
    save(spec, specText(['c2']));
    const warned = await w.waitFor((l) => l.level === 'warn', 5000, from);
    assert.is(warned.message, `namespace c1 is still held by pid ${pid} (sleep): its veths are removed; that process keeps running without a network.`);
    assert.not.match((await box.must('ip -d link show type veth')), /\/c1/, 'c1\'s veth is gone');
    assert.is((await box.sh(`kill -0 ${pid}`)).code, 0, 'the holder runs on');
    assert.ok(await hasAddr(box, 'c2'), 'c2 untouched');
  } finally {
    await box.sh(`kill ${pid}`);
  }
});

t('a malformed or invalid edit changes nothing, is logged with file:line:col, and the next valid edit applies', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, specText(['c1']));
  const w = start(ctx);
  await w.ready();
  const before = await box.must('ip -br link; ls /run/netns');

  let from = w.lines.length;
  writeFileSync(spec, 'version: 1\ncontainers:\n  c1: {\n  c2: [\n'); // in place, half-typed
  const bad = await w.waitFor((l) => l.level === 'error', 3000, from);
  assert.match(String(bad.at), /net\.yaml:\d+:\d+/);
  assert.match(bad.message, /keeping spec 'net'/);

  from = w.lines.length;
  save(spec, specText(['c1']).replace('subnet: 10.77.0.0/24', 'subnet: 10.77.0.0/24\n    gateway: 10.99.0.1'));
  const invalid = await w.waitFor((l) => l.level === 'error', 3000, from);
  assert.match(String(invalid.at), /net\.yaml:5:\d+/, `the gateway line: ${JSON.stringify(invalid)}`);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(w.alive, 'still running');
  assert.is(await box.must('ip -br link; ls /run/netns'), before, 'nothing changed');

  save(spec, specText(['c1', 'c3']));
  await until(() => hasAddr(box, 'c3'), 2000, 'the next valid edit applied');
  assert.is(await w.stop(), 0);
});

t('a veth deleted by hand is repaired through kernel events, well before the resync', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, specText(['c1', 'c2']));
  const w = start(ctx, '--resync', '60s');
  await w.ready();
  const veth = (await box.json(`ip -j link show master br-w`)).map((l: any) => l.ifname)[0] as string;
  const from = w.lines.length;
  await box.must(`ip link del ${veth}`);
  const took = await until(
    async () => (await box.sh(`ip link show ${veth} | grep -q "master br-w.*state UP"`)).code === 0 && (await box.ping(null, '10.77.0.2')) && (await box.ping(null, '10.77.0.3')),
    2000,
    'veth back, both containers reachable',
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${w.dump()}`);
  });
  // The line comes once the apply is verified, which enters the namespace of the veth made again.
  const fixed = await w.waitFor((l) => l.message.startsWith('applied'), 1000, from);
  assert.is(fixed.trigger, 'kernel');
  console.log(`    veth deleted -> repaired: ${Math.round(took)} ms`);
  assert.is(await w.stop(), 0);
});

t('host links changed by hand are repaired through their events, each read again alone; an edit then lands', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, withPort(8080, ['c1', 'c2']));
  const w = start(ctx, '--resync', '60s', '--log-level', 'debug');
  await w.ready();
  const veths = (await box.json(`ip -j link show master br-w`)) as { ifname: string; ifalias?: string }[];
  const vethOf = (c: string) => veths.find((l) => l.ifalias?.includes(`/veth/${c}@`))!.ifname;
  const state = async () => (await box.must(`ip -d -o link show master br-w | sed -E 's/ [a-z_]*_timer +[0-9.]+//g'`)).trim();
  const mark = (c: string) => veths.find((l) => l.ifalias?.includes(`/veth/${c}@`))!.ifalias!.split('@')[0];
  // c2's seal gone (its mark left), c1's port (it publishes one) with hairpin off and another MTU: changes of
  // host links alone, which their events restate; nothing inside a namespace moves.
  const damage = `ip link set dev ${vethOf('c2')} alias ${mark('c2')} && bridge link set dev ${vethOf('c1')} hairpin off && ip link set dev ${vethOf('c1')} mtu 1400`;
  const took = await repairedByEvent(w, state, () => box.must(damage), 'links as they were', 1000);
  console.log(`    links changed -> repaired: ${Math.round(took)} ms`);
  assert.ok(await box.ping(null, '10.77.0.2'));
  assert.ok(await box.ping(null, '10.77.0.3'));
  // A link restated as it is (its alias set to itself): read again, found unchanged, and no pass runs.
  const quiet = w.lines.length;
  const c1 = (await box.json(`ip -j link show dev ${vethOf('c1')}`))[0].ifalias as string;
  await box.must(`ip link set dev ${vethOf('c1')} alias '${c1}'`);
  await w.waitFor((l) => l.message.startsWith('kernel events restated host links as they were'), 2000, quiet);
  assert.not.ok(w.lines.slice(quiet).some((l) => l.message.startsWith('applied')));
  // The view kept, patched, is what the next edit plans from.
  const from = w.lines.length;
  save(spec, withPort(8081, ['c1', 'c2']));
  await w.waitFor((l) => l.message.startsWith('applied') && l.trigger === 'spec', 3000, from);
  assert.match(await tnetRules(box), /--dport 8081 /);
  assert.is(await w.stop(), 0);
});

t('a burst restating more host links than are worth reading one by one: all read again at once, no pass; a change within one is repaired', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, withPort(8080, ['c1', 'c2']));
  // 1,200 foreign links: after an apply of thousands of containers the kernel restates their ports so.
  const pairs = Array.from({ length: 600 }, (_, i) => [`fa${i}`, `fb${i}`]);
  const names = pairs.flat();
  // Up: the kernel tells of an alias set only on a link that is up.
  const made = pairs.flatMap(([a, b]) => [`link add ${a} up type veth peer name ${b}`, `link set dev ${b} up`]);
  await box.must(`ip -batch - <<'EOF'\n${[...made, ...names.map((n) => `link set dev ${n} alias ${n}`)].join('\n')}\nEOF`);
  const w = start(ctx, '--resync', '60s', '--log-level', 'debug');
  await w.ready();
  const restate = names.map((n) => `link set dev ${n} alias ${n}`).join('\n');
  const quiet = w.lines.length;
  await box.must(`ip -batch - <<'EOF'\n${restate}\nEOF`);
  await w.waitFor((l) => l.message.startsWith('kernel events restated host links as they were'), 5000, quiet);
  await new Promise((r) => setTimeout(r, 1000));
  // Each look answered by the links alone ('restated'), none by a pass over the whole host.
  const after = w.lines.slice(quiet).map((l) => l.message);
  const looks = after.filter((m) => m === 'no changes' || m.startsWith('applied'));
  assert.equal(looks, after.filter((m) => m.startsWith('kernel events restated')).map(() => 'no changes'), after.join('\n'));
  // The same burst with c1's port among them, hairpin off: the links read again differ, and a pass repairs it.
  const veth = ((await box.json('ip -j link show master br-w')) as { ifname: string; ifalias?: string }[]).find((l) => l.ifalias?.includes('/veth/c1@'))!.ifname;
  const from = w.lines.length;
  await box.must(`ip -batch - <<'EOF'\n${restate}\nlink set dev ${veth} type bridge_slave hairpin off\nEOF`);
  await w.waitFor((l) => l.message.startsWith('applied') && l.trigger === 'kernel', 5000, from);
  assert.match(await box.must(`ip -d link show dev ${veth}`), /hairpin on/);
  assert.is(await w.stop(), 0);
});

t('an edit queued with kernel events that only restated links is applied, not answered by the pass before', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, withPort(8080));
  const w = start(ctx, '--resync', '60s', '--log-level', 'debug');
  await w.ready();
  const [veth] = (await box.json(`ip -j link show master br-w`)) as { ifname: string; ifalias: string }[];
  const many = Array.from({ length: 120 }, (_, i) => `c${i + 1}`);
  // The link restated (its alias set to itself) is answered 200 ms later; the edit after it, in 50 ms, by a
  // pass making 119 namespaces. Both that answer and a second edit come while the pass runs: the next pass
  // has both reasons, and the second edit's spec is not the one applied.
  const from = w.lines.length;
  await box.must(`ip link set dev ${veth.ifname} alias '${veth.ifalias}'`);
  save(spec, withPort(8080, many));
  await w.waitFor((l) => l.message === 'spec changed', 2000, from);
  save(spec, withPort(8081, many));
  await until(async () => /--dport 8081 /.test(await tnetRules(box)), 10_000, 'the second edit applied', 200);
  const passes = w.lines.slice(from).filter((l) => l.message.startsWith('applied')).map((l) => l.trigger);
  console.log(`    passes after the restated link: ${passes.join(', ')}`);
  assert.is(await w.stop(), 0);
});

t('a flushed tnet chain is repaired through firewall events, well before the resync', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, withPort(8080));
  const w = start(ctx, '--resync', '60s');
  await w.ready();
  await new Promise((r) => setTimeout(r, 500)); // the start-up's own echoes
  assert.ok((await tnetRules(box)).split('\n').length > 2, 'the chains hold rules');
  const took = await repairedByEvent(w, () => tnetRules(box), () => box.must('iptables -F TNET-FORWARD; iptables -t nat -F TNET'), 'chains restored');
  console.log(`    chains flushed -> restored through xtables-monitor: ${Math.round(took)} ms`);
  assert.is(await w.stop(), 0);
});

t('a hosts file edited by hand is repaired through file events, well before the resync', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, specText(['c1', 'c2']));
  const w = start(ctx, '--resync', '60s');
  await w.ready();
  await new Promise((r) => setTimeout(r, 500)); // the start-up's own echoes, then the idle reads
  const hosts = async () => box.must('cat /etc/netns/c1/hosts');
  assert.match(await hosts(), /10\.77\.0\.\d+\s+c1/);
  const took = await repairedByEvent(w, hosts, () => box.must('echo "192.0.2.9 intruder" >> /etc/netns/c1/hosts'), 'hosts file restored');
  console.log(`    hosts edited -> restored through inotify: ${Math.round(took)} ms`);
  assert.is(await w.stop(), 0);
});

t('a burst of foreign rules that overflows xtables-monitor: it restarts, the foreign chain is untouched, later drift is still repaired', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, withPort(8080));
  const w = start(ctx, '--resync', '60s');
  await w.ready();
  await new Promise((r) => setTimeout(r, 500));
  const from = w.lines.length;
  // 4000 rule events at once: more than the monitor's netlink socket buffers (ENOBUFS).
  await box.must(`(printf '*filter\\n:FOREIGN - [0:0]\\n'; seq 1 4000 | sed 's/.*/-A FOREIGN -p tcp --dport & -j ACCEPT/'; echo COMMIT) | iptables-restore --noflush`);
  await w.waitFor((l) => /xtables-monitor exited/.test(l.message), 3000, from);
  await new Promise((r) => setTimeout(r, 1500)); // restarted after 1 s, then listening again
  const took = await repairedByEvent(w, () => tnetRules(box), () => box.must('iptables -F TNET-FORWARD'), 'chain restored through the restarted monitor');
  console.log(`    after an overflow, chain flushed -> restored: ${Math.round(took)} ms`);
  assert.is((await box.must('iptables -S FOREIGN | grep -c -- "-A FOREIGN"')).trim(), '4000', 'the foreign chain untouched');
  assert.is(await w.stop(), 0);
});

t('without xtables-monitor, rules are read on every reconcile and a flushed chain is repaired by the resync', async (ctx) => {
  const { box, spec } = ctx;
  // stdbuf made unrunnable in the sandbox's own mount namespace: the monitor cannot start.
  await box.must(`touch ${box.dir}/empty && mount --bind ${box.dir}/empty "$(command -v stdbuf)"`);
  save(spec, withPort(8080));
  const w = start(ctx, '--resync', '1s');
  await w.ready();
  const rules = () => tnetRules(box);
  const before = await rules();
  await box.must('iptables -F TNET-FORWARD; iptables -t nat -F TNET');
  const took = await until(async () => (await rules()) === before, 2500, 'chains restored');
  console.log(`    chains flushed -> restored by resync: ${Math.round(took)} ms`);
  // An edit right after a flush nobody reported: its plan reads the rules, so both land.
  await box.must('iptables -t nat -F TNET; iptables -t nat -F TNET-DNAT-br-w');
  const from = w.lines.length;
  save(spec, withPort(8081));
  await w.waitFor((l) => l.message.startsWith('applied'), 5000, from);
  assert.match(await rules(), /--dport 8081 /, 'the edit landed');
  assert.is((await rules()).split('\n').length, before.split('\n').length, 'the flushed chain is whole again');
  assert.is(await w.stop(), 0);
});

t('an edit right after a hand change to the rules lands, and the change is repaired', async (ctx) => {
  const { box, spec } = ctx;
  const ports = (p: number) => withPort(p, ['c1', 'c2']);
  save(spec, ports(8080));
  const w = start(ctx, '--resync', '10m');
  await w.ready();
  await new Promise((r) => setTimeout(r, 700)); // the start-up's own kernel echoes, then the idle read of the host
  const before = (await box.must('iptables -S TNET-FORWARD')).trim();
  // The edit may be planned before the flush's event arrives: either way both must land.
  await box.must('iptables -F TNET-FORWARD');
  const from = w.lines.length;
  save(spec, ports(8081));
  await w.waitFor((l) => l.message.startsWith('applied'), 5000, from);
  assert.match(await box.must('iptables -t nat -S TNET-DNAT-br-w'), /--dport 8081 /, 'the edit landed');
  const after = (await box.must('iptables -S TNET-FORWARD')).trim();
  assert.is(after, before, 'the flushed chain is whole again (c1 keeps container port 80)');
  assert.is(await w.stop(), 0);
});

t('one tnet at a time: a second apply exits 4 naming the holder, or waits with --wait', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, specText(['c1']));
  const w = start(ctx);
  await w.ready();
  const second = await box.tnet('apply', '-f', spec);
  assert.is(second.code, 4, second.stderr);
  assert.match(second.stderr, new RegExp(`pid ${w.pid} \\(tnet watch -f `));
  assert.is((await box.tnet('plan', '-f', spec)).code, 0, 'plan reads without the lock');

  const waiting = box.spawnTnet('apply', '--wait', '-f', spec);
  let out = '';
  waiting.stdout!.on('data', (d) => (out += String(d)));
  waiting.stderr!.on('data', (d) => (out += String(d)));
  const done = new Promise<number | null>((r) => waiting.once('exit', (c) => r(c)));
  // Until it says it waits (a fixed pause can end before a loaded machine has even started it).
  for (let t = 0; t < 100 && !/waiting for the lock held by pid/.test(out) && waiting.exitCode === null; t++) await new Promise((r) => setTimeout(r, 100));
  assert.match(out, /waiting for the lock held by pid/);
  assert.is(waiting.exitCode, null, 'still waiting while the watch runs');
  assert.is(await w.stop(), 0);
  assert.is(await done, 0, out);

  // Two applies at once, both told to wait: one after the other, both succeed, the second finds nothing to do.
  save(spec, specText(['c1', 'c2', 'c3', 'c4']));
  const [a, b] = await Promise.all([box.tnet('apply', '--wait', '-f', spec), box.tnet('apply', '--wait', '-f', spec)]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  assert.is([a.stdout, b.stdout].filter((o) => /No changes/.test(o)).length, 1, 'serialised: exactly one found the work done');
});

// Names, IPv4 addresses, routes, files and rules, without what differs between two equal hosts (ifindexes,
// random host-side MACs, packet counters).
const snapshot = async (box: Sandbox) =>
  (
    await box.must(
      'ip -br link; ip -4 -br addr; ip route; for n in $(ls /run/netns 2>/dev/null | sort); do ip -n $n -br link | sed "s/^/$n /"; ip -n $n -4 -br addr | sed "s/^/$n /"; ip -n $n route | sed "s/^/$n /"; done; ' +
        'find /etc/netns | sort; find /etc/netns -type f | sort | xargs -r cat; iptables-save | grep -v "^#"; true',
    )
  )
    .replace(/@if\d+/g, '')
    .replace(/^(veth\S+\s+\S+\s+)\S+/gm, '$1MAC')
    .replace(/\[\d+:\d+\]/g, '')
    .split('\n').map((l) => l.trimEnd()).sort().join('\n');

const BIG = Array.from({ length: 16 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);
const bigSpec = () =>
  specText(BIG).replace('  c01: {}', '  c01:\n    ports: ["8080:80"]').replace('  c16: {}', '  c16:\n    network: none');

t('kill -9 during a reconcile, then a fresh watch converges with nothing leaked', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, bigSpec());
  for (const delay of [0, 25, 60, 150]) {
    const w = start(ctx);
    await until(() => netnsIn(box).length > 0, 10000, 'the reconcile started', 1);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    const children = (await box.sh(`pgrep -P ${w.pid}`)).stdout.split('\n').filter(Boolean);
    w.proc.kill('SIGKILL');
    await w.exited;
    // Whatever was created is marked, or its mark was recorded before it was created: the next run recognises it.
    for (const ns of netnsIn(box)) {
      const lo = await box.json(`ip -n ${ns} -j link show lo`);
      const recorded = (await box.sh(`cat /run/tnet/creating/.*.intents 2>/dev/null | awk -F'\t' '$1 == "${ns}" {print $2}'`)).stdout;
      assert.match(String(lo[0].ifalias ?? recorded), /^tnet:net\/netns\//, `namespace ${ns} marked or recorded (killed after ${delay} ms)`);
    }
    // The kernel monitor does not outlive its tnet.
    await until(async () => (await box.sh(`kill -0 ${children.join(' ') || '999999'} 2>/dev/null`)).code !== 0 || children.length === 0, 3000, 'children gone');
    const fresh = start(ctx);
    await fresh.ready(15000);
    assert.not.ok(fresh.lines.some((l) => l.level === 'error'), fresh.dump());
    assert.is(await fresh.stop(), 0);
    const plan = await box.tnet('plan', '--exit-code', '-f', spec);
    assert.is(plan.code, 0, `converged after a kill at +${delay} ms: ${plan.stdout}${plan.stderr}`);
  }
  // The same state as a fresh apply on a pristine host, and destroy leaves what a pristine host has.
  const other = await Sandbox.create();
  ctx.boxes.push(other);
  const pristine = await snapshot(other);
  const otherSpec = join(other.dir, 'net.yaml');
  save(otherSpec, bigSpec());
  assert.is((await other.tnet('apply', '-f', otherSpec)).code, 0);
  assert.fixture(await snapshot(box), await snapshot(other));
  assert.is((await box.tnet('destroy', '-f', spec)).code, 0);
  assert.not.match(await box.must('ip -br link; ls /run/netns; find /etc/netns -mindepth 1; iptables-save'), /veth|br-w|\bc\d\d\b|TNET/);
  void pristine;
});

t('SIGTERM during a reconcile finishes it and exits 0, leaving the host consistent; SIGHUP re-reads the spec', async (ctx) => {
  const { box, spec } = ctx;
  save(spec, bigSpec());
  const w = start(ctx);
  await until(() => netnsIn(box).length > 0, 10000, 'the reconcile started', 1);
  assert.is(await w.stop('SIGTERM'), 0);
  const plan = await box.tnet('plan', '--exit-code', '-f', spec);
  assert.is(plan.code, 0, `the batch in flight was finished: ${plan.stdout}`);

  save(spec, specText(['c01']));
  const h = start(ctx, '--debounce', '10s');
  await h.ready();
  save(spec, specText(['c01', 'c02']));
  await new Promise((r) => setTimeout(r, 500));
  assert.not.ok(await hasAddr(box, 'c02').catch(() => false), 'the long debounce holds the edit back');
  const from = h.lines.length;
  h.proc.kill('SIGHUP');
  await until(() => hasAddr(box, 'c02'), 1500, 'applied on SIGHUP');
  const applied = await h.waitFor((l) => l.message.startsWith('applied'), 500, from);
  assert.match(String(applied.trigger), /hup/);
  assert.is(await h.stop('SIGINT'), 0);
});

t.run();
