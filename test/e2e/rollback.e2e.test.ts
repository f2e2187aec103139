// End to end, as root in throwaway namespaces: an apply whose step fails leaves the host as it found it.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { applyOk, Sandbox, type RunResult, TNET } from '../helpers/sandbox.js';
import { Watch } from '../helpers/watch.js';
import { INTENT_DIR } from '../../src/ownership/paths.js';
import { parseSeal } from '../../src/ownership/marks.js';

const t = suite<{ box: Sandbox; spec: string }>('rollback');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.spec = join(ctx.box.dir, 'net.yaml');
});
t.after.each(async (ctx) => {
  await ctx.box.destroy();
});

const BASE = `version: 1
name: net
bridges:
  br0: {subnet: 10.70.0.0/24}
containers:
  a: {bridge: br0, ports: ["8080:80"]}
  b: {bridge: br0, links: [a]}
`;

/** The edit of the issue: a bridge and a container added, another removed, a port changed. */
const EDITED = `version: 1
name: net
bridges:
  br0: {subnet: 10.70.0.0/24}
  br1: {subnet: 10.71.0.0/24}
containers:
  a: {bridge: br0, ports: ["9090:80"]}
  c: {bridge: br1, ports: ["8081:80"]}
`;

/**
 * Everything tnet could have changed, as comparable text: links with their settings and addresses, routes,
 * namespaces and what is inside them, the rule set, the files under /etc/netns, ip_forward.
 */
async function snapshot(box: Sandbox, opts: { vethMacs?: boolean } = {}): Promise<string> {
  const script = `
    ip -j -d addr show | tr -d '\\n'; echo
    ip -j route show; echo
    for n in $(ip netns list | cut -d' ' -f1 | sort); do echo "== netns $n"; ip -n $n -j -d addr show; echo; ip -n $n -j route show; echo; done
    iptables-save | grep -v '^#' | sed 's/ \\[[0-9]*:[0-9]*\\]$//'
    find /etc/netns -type f | sort | while read f; do echo "== $f"; cat "$f"; done
    cat /proc/sys/net/ipv4/ip_forward
  `;
  const out = await box.must(script);
  return withoutEmptyTables(out.split('\n').map((l) => normalizeLinks(l, opts.vethMacs ?? true)).join('\n'));
}

/** A table with only its built-in chains, empty and accepting, is the same as none: the kernel's default. */
function withoutEmptyTables(text: string): string {
  return text.replace(/^\*\w+\n(?::[A-Z]+ ACCEPT\n)*COMMIT\n/gm, '');
}

/** Links as JSON, reduced to what a rollback must give back (not counters, timers or kernel-chosen ids). */
function normalizeLinks(line: string, vethMacs: boolean): string {
  if (!line.startsWith('[{')) return line;
  const links = JSON.parse(line) as Record<string, any>[];
  // The kernel picks a host veth end's MAC at random: a veth made anew differs there, and nowhere else.
  const mac = (l: Record<string, any>) => (vethMacs || l.linkinfo?.info_kind !== 'veth' || l.master === undefined ? l.address : 'random');
  return JSON.stringify(
    links.map((l) => ({
      name: l.ifname, mtu: l.mtu, mac: mac(l), alias: l.ifalias ?? null, master: l.master ?? null,
      up: (l.flags ?? []).includes('UP'), kind: l.linkinfo?.info_kind ?? '',
      addrs: (l.addr_info ?? []).filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`),
    })),
  );
}

/** Writes a fault injector named `name` into the sandbox's fault folder; returns the PATH that puts it first. */
async function installFault(box: Sandbox, name: string, body: string): Promise<string> {
  const bin = join(box.dir, 'fault');
  mkdirSync(bin, { recursive: true });
  const real = (await box.sh(`command -v ${name}`)).stdout.trim();
  writeFileSync(join(bin, name), `#!/bin/sh\nreal='${real}'\nstate='${bin}'\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
  return `PATH=${bin}:${process.env.PATH}`;
}

/** A failing program of that name first on PATH; `body` is its shell script after `real` is set. */
async function withFault(box: Sandbox, name: string, body: string, ...args: string[]): Promise<RunResult> {
  return withFaultEnv(box, name, body, [], ...args);
}

async function withFaultEnv(box: Sandbox, name: string, body: string, env: string[], ...args: string[]): Promise<RunResult> {
  const path = await installFault(box, name, body);
  return box.run(['env', ...env, path, ...TNET, ...args]);
}

const FAIL_RESTORE = 'cat >/dev/null; echo "iptables-restore: line 2 failed: injected fault" >&2; exit 1';

/** The first apply's host `ip -batch` runs half of its lines for real, then fails as ip does. Undo batches (-force) pass. */
const HALF_BATCH = `
if [ "$1" = "-batch" ] && [ ! -e "$state/failed" ]; then
  touch "$state/failed"
  cat > "$state/in"
  k=$(( $(wc -l < "$state/in") / 2 ))
  head -n "$k" "$state/in" | "$real" -batch - || exit 1
  echo "RTNETLINK answers: Injected fault" >&2
  echo "Command failed -:$((k + 1))" >&2
  exit 1
fi
exec "$real" "$@"`;

function assertRolledBack(r: RunResult, command: RegExp): void {
  assert.is(r.code, 1, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, command);
  assert.match(r.stderr, /rolled back \d+ action\(s\): the host is as tnet found it\.$/, r.stderr);
  assert.not.match(r.stderr, /nothing was changed/);
}

t('fresh host, iptables-nft-restore fails: every link, namespace, file and sysctl made is undone, exit 1', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  const r = await withFault(box, 'iptables-nft-restore', FAIL_RESTORE, 'apply', '-f', spec);
  assertRolledBack(r, /^error\[firewall\]: iptables-nft-restore failed .*injected fault/m);
  assert.fixture(await snapshot(box), before);
  // The cause gone, the same apply goes through.
  await applyOk(box, spec);
  assert.ok(await box.ping('b', '10.70.0.2'), 'b reaches a');
});

t('converged host, an edit whose firewall step fails: the removed container, the old port and everything else are back', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  await applyOk(box, spec);
  const before = await snapshot(box);
  writeFileSync(spec, EDITED);
  const r = await withFault(box, 'iptables-nft-restore', FAIL_RESTORE, 'apply', '-f', spec);
  assertRolledBack(r, /iptables-nft-restore failed/);
  assert.fixture(await snapshot(box), before);
  assert.ok(await box.ping('b', '10.70.0.2'), 'b, which the edit removes, still reaches a');
  writeFileSync(spec, BASE);
  assert.match((await box.tnet('apply', '-f', spec)).stdout, /^No changes/m, 'the host matches the old spec exactly');
});

/** BASE, dual stack: its rules in both families. */
const DUAL = BASE.replace('br0: {subnet: 10.70.0.0/24}', 'br0: {subnet: 10.70.0.0/24, subnet6: "fd00:70::/64"}');
const ip6Rules = "ip6tables-save | grep -v '^#' | sed 's/ \\[[0-9]*:[0-9]*\\]$//'";

t('dual stack, ip6tables-nft-restore fails: the IPv4 rules and all else undone, ip6tables as it was, exit 1', async ({ box, spec }) => {
  await box.must('ip6tables -A FORWARD -s 2001:db8:99::/48 -j ACCEPT; ip6tables -t nat -A POSTROUTING -s 2001:db8:99::/48 -j MASQUERADE');
  writeFileSync(spec, DUAL);
  const [before, before6] = [await snapshot(box), await box.must(ip6Rules)];
  const r = await withFault(box, 'ip6tables-nft-restore', FAIL_RESTORE, 'apply', '-f', spec);
  assertRolledBack(r, /^error\[firewall\]: ip6tables-nft-restore failed .*injected fault/m);
  assert.fixture(await snapshot(box), before);
  assert.fixture(await box.must(ip6Rules), before6);
  // The cause gone, the same apply goes through; an edit whose IPv4 restore fails then sets ip6tables back too.
  await applyOk(box, spec);
  const [applied, applied6] = [await snapshot(box), await box.must(ip6Rules)];
  assert.match(applied6, /--to-destination \[fd00:70::2\]:80/);
  writeFileSync(spec, DUAL.replace('8080:80', '9090:80'));
  const edit = await withFault(box, 'iptables-nft-restore', FAIL_RESTORE, 'apply', '-f', spec);
  assertRolledBack(edit, /^error\[firewall\]: iptables-nft-restore failed/m);
  assert.fixture(await box.must(ip6Rules), applied6);
  assert.fixture(await snapshot(box), applied);
});

t('the host ip -batch fails halfway: what its first half made is undone', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  const r = await withFault(box, 'ip', HALF_BATCH, 'apply', '-f', spec);
  assertRolledBack(r, /^error\[kernel\]: ip failed in the host namespace: RTNETLINK answers: Injected fault/m);
  assert.fixture(await snapshot(box), before);
});

t('converged host, an edit whose host ip -batch fails halfway: undone, the removed container still there', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  await applyOk(box, spec);
  const before = await snapshot(box);
  writeFileSync(spec, EDITED);
  const r = await withFault(box, 'ip', HALF_BATCH, 'apply', '-f', spec);
  assertRolledBack(r, /^error\[kernel\]: ip failed in the host namespace: RTNETLINK answers: Injected fault/m);
  assert.fixture(await snapshot(box), before);
  assert.ok(await box.ping('b', '10.70.0.2'));
});

t('the namespace worker fails: namespaces, veths and the bridge are undone', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  const r = await withFault(box, 'perl', 'cat >/dev/null; echo "worker: injected fault" >&2; exit 2', 'apply', '-f', spec);
  assertRolledBack(r, /namespace worker failed: worker: injected fault/);
  assert.fixture(await snapshot(box), before);
});

t('an edit whose namespace worker fails inside existing namespaces: addresses and routes set back', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  await applyOk(box, spec);
  const before = await snapshot(box);
  // A new fixed address for a: its namespace is entered and changed before the fault.
  writeFileSync(spec, BASE.replace('a: {bridge: br0,', 'a: {bridge: br0, ip: 10.70.0.9,'));
  const r = await withFault(box, 'perl', 'cat >/dev/null; exit 2', 'apply', '-f', spec);
  assertRolledBack(r, /namespace worker failed/);
  assert.fixture(await snapshot(box), before);
});

t('the nsenter + ip fallback fails inside a namespace: undone as well', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  // Reads (`ip -j … -batch -`) pass; the apply's batches (`ip -batch FILE`) fail.
  const fake = 'case "$*" in *" ip -batch /"*) echo "nsenter: injected fault" >&2; exit 1;; esac; exec "$real" "$@"';
  const r = await withFaultEnv(box, 'nsenter', fake, ['TNET_NETLINK=ip'], 'apply', '-f', spec);
  assertRolledBack(r, /ip failed in namespace \w+: nsenter: injected fault/);
  assert.fixture(await snapshot(box), before);
});

t('a file write fails (/etc/netns read-only): undone, exit 1', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  await box.must('mount -o remount,ro /etc/netns');
  const r = await box.tnet('apply', '-f', spec);
  await box.must('mount -o remount,rw /etc/netns');
  assertRolledBack(r, /^error\[io\]: writing \/etc\/netns\/\w+\/hosts/m);
  assert.fixture(await snapshot(box), before);
});

t('a sysctl write fails (/proc/sys read-only in the sandbox): undone, exit 1', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  await box.must('mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys');
  const r = await box.tnet('apply', '-f', spec);
  await box.must('umount /proc/sys');
  assertRolledBack(r, /^error\[io\]: setting net\.\S+ failed/m);
  assert.fixture(await snapshot(box), before);
});

t('the kernel takes a command but does not hold its result: found by verifying, rolled back', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  // An ip whose first host batch says yes to bringing the bridge up and drops it (a missing address would
  // already stop tnet's DNS server from binding to it, before the check).
  const dropUp = 'if [ "$1" = "-batch" ] && [ ! -e "$state/dropped" ]; then touch "$state/dropped"; grep -v "^link set dev br0 up$" | "$real" -batch -; exit $?; fi; exec "$real" "$@"';
  const r = await withFault(box, 'ip', dropUp, 'apply', '-f', spec);
  assertRolledBack(r, /^error\[unverified\]: the host does not hold what the apply asked: still to do link br0: up/m);
  assert.fixture(await snapshot(box), before);
});

t('--no-rollback keeps what went through and lists it, exit 1', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const r = await withFault(box, 'iptables-nft-restore', FAIL_RESTORE, 'apply', '--no-rollback', '-f', spec);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /kept what went through \(--no-rollback\); changed on the host:\n/);
  assert.match(r.stderr, /^ {2}interface br0: created$/m);
  assert.match(r.stderr, /^ {2}namespace a: created$/m);
  assert.ok((await box.sh('ip link show br0')).code === 0, 'br0 kept');
  // A plain apply afterwards converges from there.
  await applyOk(box, spec);
});

t('--no-rollback, the worker fails inside one namespace: its seal does not vouch, and the next apply enters it', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  // b's line gets an address on a device it lacks; every other line goes through as written.
  const fake = `sed 's#^\\(/run/netns/b\t.*\\)addr-add eth0 [^\t]*#\\1addr-add nosuchdev 192.0.2.1/24#' | "$real" "$@"`;
  const r = await withFault(box, 'perl', fake, 'apply', '--no-rollback', '-f', spec);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /configuring namespace b failed/);
  const aliases = async () => {
    const links = (await box.json('ip -j link show type veth')) as { ifalias?: string }[];
    return Object.fromEntries(links.map((l) => [/\/veth\/(\w+)/.exec(l.ifalias ?? '')?.[1], l.ifalias ?? '']));
  };
  // Both veths were sealed as they were made, with their namespaces. The intents recorded before that are
  // still there, since the apply did not get through: they keep those seals from vouching.
  const kept = await aliases();
  assert.ok(parseSeal(kept.a) && parseSeal(kept.b), `sealed as made: ${JSON.stringify(kept)}`);
  // One file per apply, a line `name<TAB>mark` each.
  const intents = async () => (await box.must(`cat ${INTENT_DIR}/.*.intents 2>/dev/null | cut -f1 || true`)).split(/\s+/).filter(Boolean).sort();
  assert.equal(await intents(), ['a', 'b']);
  const plan = await box.tnet('plan', '-f', spec);
  assert.match(plan.stdout, /address 10\.70\.0\.\d+\/24 on b:eth0/, 'b is entered and its address planned');
  const again = await box.tnet('apply', '-f', spec);
  assert.is(again.code, 0, again.stderr);
  assert.match(await box.must('ip -n b -4 -o addr show dev eth0'), /10\.70\.0\.\d+\/24/);
  assert.ok(await box.ping('b', '10.70.0.1'));
  assert.equal(await intents(), [], 'an apply that went through drops them');
  assert.match((await box.tnet('apply', '-f', spec)).stdout, /No changes/);
});

t('a failing destroy is rolled back too: the spec keeps working', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  await applyOk(box, spec);
  const before = await snapshot(box);
  const r = await withFault(box, 'iptables-nft-restore', FAIL_RESTORE, 'destroy', '-f', spec);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /rolled back|nothing was changed/);
  assert.fixture(await snapshot(box), before);
  assert.ok(await box.ping('b', '10.70.0.2'));
});

/** Resolves with the exit code once the child ends; `line` resolves when stderr shows the text. */
function started(child: ChildProcess, text: string): { exit: Promise<number>; line: Promise<void>; stderr: () => string } {
  let err = '';
  let seen: () => void = () => undefined;
  const line = new Promise<void>((r) => (seen = r));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.includes(text)) seen();
  });
  const exit = new Promise<number>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? 128 : -1))));
  return { exit, line, stderr: () => err };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t('--confirm without confirmation: rolled back at the deadline, exit 1', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  const r = await box.tnet('apply', '--confirm', '2s', '-f', spec);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /Waiting for confirmation: run `tnet confirm` before/);
  assert.match(r.stderr, /^error\[unconfirmed\]: not confirmed within 2 s: spec 'net' rolled back/m);
  assert.match(r.stderr, /rolled back \d+ action\(s\): the host is as tnet found it\.$/, r.stderr);
  assert.fixture(await snapshot(box), before);
});

t('--confirm, then tnet confirm: the changes stay, exit 0', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const apply = started(box.spawnTnet('apply', '--confirm', '20s', '-f', spec), 'Waiting for confirmation');
  await apply.line;
  const c = await box.tnet('confirm');
  assert.is(c.code, 0, c.stderr);
  assert.is(await apply.exit, 0, apply.stderr());
  assert.match(apply.stderr(), /Confirmed: the changes stay\./);
  await sleep(300);
  assert.ok(await box.ping('b', '10.70.0.2'));
  assert.is((await box.tnet('confirm')).code, 1, 'nothing left to confirm');
});

t('--confirm and kill -9: the watchdog rolls back at the deadline; meanwhile other applies are refused', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const before = await snapshot(box);
  const child = box.spawnTnet('apply', '--confirm', '5s', '-f', spec);
  const apply = started(child, 'Waiting for confirmation');
  await apply.line;
  child.kill('SIGKILL');
  await apply.exit;
  const refused = await box.tnet('apply', '-f', spec);
  assert.is(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /^error\[pending\]: an apply of spec 'net' \(pid \d+\) waits for confirmation until/m);
  // Due 5 s after the start: the watchdog's rollback is done once no record is left, waiting or being rolled
  // back. Exit 1 alone says so: a shell that failed to run (a loaded machine) says nothing either way.
  const left = 'for f in /run/tnet/pending-confirm.json /run/tnet/pending-confirm.json.rolling; do [ -e "$f" ] && exit 0; done; exit 1';
  for (let i = 0; i < 300 && (await box.sh(left)).code !== 1; i++) await sleep(100);
  assert.fixture(await snapshot(box), before, (await box.sh('cat /run/tnet/confirm-watchdog.log')).stdout);
  // The host is free again: a plain apply goes through.
  await applyOk(box, spec);
});

t('watch: a reconcile whose firewall step fails is rolled back and logged, then retried until it goes through', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  // Fails while the flag file exists; judged once its input is read, as watch starts the restore ahead of need.
  const path = await installFault(box, 'iptables-nft-restore', 'input=$(cat); [ -e "$state/fail" ] && { echo "injected fault" >&2; exit 1; }; printf "%s\\n" "$input" | "$real" "$@"');
  const w = Watch.startWith(box, [path], spec, '--resync', '10m');
  try {
    await w.waitFor((l) => l.message.startsWith('watching'), 15000);
    const before = await snapshot(box);
    await box.must(`touch ${join(box.dir, 'fault', 'fail')}`);
    const from = w.lines.length;
    writeFileSync(spec, EDITED);
    const failed = await w.waitFor((l) => l.message.startsWith('reconcile failed'), 10000, from);
    assert.match(failed.message, /^reconcile failed \(rolled back \d+ action\(s\)\); will retry/);
    assert.is(failed.retry, '1s');
    // Between attempts (the retries come after 1 s, 2 s, 4 s …) the host is as before the edit.
    let now = await snapshot(box);
    for (let i = 0; i < 50 && now !== before; i++) now = (await sleep(100), await snapshot(box));
    assert.fixture(now, before);
    await box.must(`rm ${join(box.dir, 'fault', 'fail')}`);
    const applied = await w.waitFor((l) => l.message.startsWith('applied'), 15000, from);
    assert.match(String(applied.trigger), /retry/, w.dump());
    assert.is((await box.sh('ip netns list | grep -w b')).code, 1, 'b removed once the edit went through');
    assert.ok(await box.ping('c', '10.71.0.1'), 'c wired');
  } finally {
    w.proc.kill('SIGTERM');
    await w.exited;
  }
});

t('kill -9 in the middle of a rollback: the next apply converges, and nothing is leaked', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  await applyOk(box, spec);
  const before = await snapshot(box, { vethMacs: false });
  writeFileSync(spec, EDITED);
  const restore = await installFault(box, 'iptables-nft-restore', FAIL_RESTORE);
  // The undo's host batch (`ip -force -batch`) announces itself, then takes its time.
  // A batch whose tnet was killed meanwhile never runs: the kill takes the rollback's rest with it.
  await installFault(box, 'ip', 'if [ "$1" = "-force" ]; then p=$PPID; touch "$state/undoing"; sleep 3; kill -0 "$p" 2>/dev/null || exit 1; fi; exec "$real" "$@"');
  const child = box.spawnTnetWith([restore], 'apply', '-f', spec);
  const undoing = join(box.dir, 'fault', 'undoing');
  for (let i = 0; i < 200 && (await box.sh(`test -e ${undoing}`)).code !== 0; i++) await sleep(50);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  // Without the injectors: the edit applies from whatever the killed rollback left, and holds.
  await applyOk(box, spec);
  assert.match((await box.tnet('apply', '-f', spec)).stdout, /^No changes/m);
  assert.ok(await box.ping('c', '10.71.0.1'));
  // And back to the first spec: exactly the state it had, nothing left over from the interrupted runs.
  writeFileSync(spec, BASE);
  await applyOk(box, spec);
  assert.fixture(await snapshot(box, { vethMacs: false }), before);
});

t('tnet watch started while a killed --confirm apply waits: it waits too, rolls it back when due, then reconciles', async ({ box, spec }) => {
  writeFileSync(spec, BASE);
  const child = box.spawnTnet('apply', '--confirm', '4s', '-f', spec);
  const apply = started(child, 'Waiting for confirmation');
  await apply.line;
  child.kill('SIGKILL');
  await apply.exit;
  // The watch's own spec: another container set, so its reconcile is told apart from the rolled-back apply.
  const other = join(box.dir, 'other.yaml');
  writeFileSync(other, 'version: 1\nname: other\ncontainers:\n  z: {}\n');
  const w = Watch.start(box, other, '--resync', '10m');
  try {
    await w.waitFor((l) => /waits for `tnet confirm`/.test(l.message), 10000);
    const rolled = await w.waitFor((l) => /not confirmed in time: spec 'net' rolled back/.test(l.message), 15000);
    assert.equal(rolled.level, 'warn');
    await w.waitFor((l) => l.message.startsWith('applied'), 15000);
    assert.is((await box.sh('ip link show br0')).code, 1, "the unconfirmed apply's bridge is gone");
    assert.is((await box.sh('ip netns list | grep -w z')).code, 0, "the watch's own spec is applied");
  } finally {
    w.proc.kill('SIGTERM');
    await w.exited;
  }
});

t.run();
