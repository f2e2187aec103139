// `npm run bench`: tnet against the kernel floor, the older hand-written baseline and the CNI reference plugins,
// in throwaway namespaces.
//
// Every run happens in its own Sandbox (unshare -n -m), never on the machine's network. Times are wall-clock
// milliseconds of whole commands (node start-up included for tnet); ratios make noise on a shared machine cancel,
// so every ratio is taken between figures of the same invocation. N containers sit on ⌈N/1000⌉ bridges (a Linux
// bridge takes at most 1023 ports), br0…brK on 10.(100+k).0.0/16, and each publishes one tcp port.
// Each tnet, floor and baseline figure is the median of --runs runs, each in a fresh sandbox: by default 3 below
// N=3000 and 1 from there on (one run at N=10000 takes minutes: the kernel alone needs tens of seconds to make
// ten thousand namespaces and veths, and as long again to tear them down).
// Usage: npm run bench [-- --sizes 1000,3000,10000] [--runs R] [--cni-max 100 | --no-cni] [--baseline-max 1000]
//        [--out bench]: writes OUT/results.json and OUT/per-container.svg besides the tables on stdout;
//        [--floor-only]: the kernel floor alone, its steps on stderr;
//        [--no-dns]: without the DNS part (scripts/bench-dns.ts), which otherwise follows the scale part;
//        [--dns-only]: the DNS part alone, written to OUT/dns.json; [--dns-seconds S] [--dns-rounds R]: its runs;
//        [--dns-cpu-prof DIR]: tnet's DNS server profiled under them (V8's --cpu-prof), its top functions printed;
//        [--no-ipv6]: without the IPv6 part (scripts/bench-ipv6.ts: dual stack against IPv4 only, at
//        --ipv6-n containers, default 1000, --ipv6-runs pairs, default 3); [--ipv6-only]: that part alone,
//        written to OUT/ipv6.json.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Sandbox, TNET } from '../test/helpers/sandbox.js';
import { Watch } from '../test/helpers/watch.js';
import { perContainerChart } from './bench-chart.js';
import { dnsTable, measureDns, type DnsBench } from './bench-dns.js';
import { execLog, mutations, namespaceEntries } from './bench-exec-log.js';
import { ipv6Table, measureIpv6, type Ipv6Bench } from './bench-ipv6.js';

const WORKER = resolve('libexec/tnet-netlink.pl');
const CNI_DIR = '/usr/lib/cni';

/** One run of tnet in a fresh sandbox: a time per step, every watch edit's. */
interface TnetRun {
  n: number;
  apply: number;
  /** `tnet trace:` phases of the apply from empty, in order: where its time goes. */
  applyPhases: [string, number][];
  applyRssKb: number;
  noop: number;
  noopMutations: string[];
  /** Commands of the no-op that entered a namespace: nsenter, `ip -n`, the netlink worker. */
  noopEntries: string[];
  change: number;
  watchEdits: number[];
  /** VmHWM of the watch process, read just before it is stopped. */
  watchRssKb: number;
  prune: number;
  pruneCount: number;
  /** The same prune of as many namespaces, each held by a process. */
  pruneHeld: number;
  pruneHeldCount: number;
  destroy: number;
  destroyCount: number;
  /** The largest maxrss of every one-shot command (apply, no-op, change, prune, destroy). */
  rssKb: number;
}

/** The floor's steps, each timed inside its sandbox. */
interface FloorRun {
  /** Bridges, namespaces, veths (peer made in its namespace), enslaving: one `ip -batch`. */
  host: number;
  /** lo and eth0 up, address, default route in every namespace: the netlink worker, two in parallel. */
  inside: number;
  /** The same kind and number of iptables rules: one `iptables-restore --noflush`. */
  rules: number;
}

interface Row {
  n: number;
  bridges: number;
  runs: number;
  apply: number;
  applyPhases: [string, number][];
  noop: number;
  noopMutations: string[];
  noopEntries: string[];
  change: number;
  /** Median and slowest of every watch edit of every run. */
  watchChange: number;
  watchMax: number;
  watchCount: number;
  prune: number;
  pruneCount: number;
  pruneHeld: number;
  pruneHeldCount: number;
  destroy: number;
  destroyCount: number;
  rssKb: number;
  applyRssKb: number;
  watchRssKb: number;
  /** Floor of the links (host + inside), its steps, and its rules apart. */
  floor: number;
  floorHost: number;
  floorInside: number;
  floorRules: number;
  baseline: number | null;
  cniPerContainer: number | null;
  cniCount: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const bridgesFor = (n: number) => Math.max(1, Math.ceil(n / 1000));
const bridgeOf = (i: number) => Math.floor(i / 1000);
/** Container i's address as tnet allocates it on an empty host: its bridge's subnet from .2 on, in spec order. */
function addressOf(i: number): { ip: string; gw: string; subnet: string } {
  const k = bridgeOf(i);
  const j = (i % 1000) + 2;
  return { ip: `10.${100 + k}.${Math.floor(j / 256)}.${j % 256}`, gw: `10.${100 + k}.0.1`, subnet: `10.${100 + k}.0.0/16` };
}

/** Every tenth container (c9, c19, …) is left out of the pruned spec: spread over every bridge. */
const pruned = (i: number) => i % 10 === 9;
/** Then every tenth again (c4, c14, …), each namespace held by a process: the same prune, of held ones. */
const prunedHeld = (i: number) => i % 10 === 4;
/** What holds them: a sleep with an argument no other process has, killed by it after the run. */
const HOLDER = 'sleep 86399';

function specYaml(n: number, changed = -1, prune: 0 | 1 | 2 = 0): string {
  const lines = ['version: 1', 'name: bench', 'bridges:'];
  for (let k = 0; k < bridgesFor(n); k++) lines.push(`  br${k}: {subnet: 10.${100 + k}.0.0/16}`);
  lines.push('containers:');
  for (let i = 0; i < n; i++) {
    if ((prune >= 1 && pruned(i)) || (prune === 2 && prunedHeld(i))) continue;
    lines.push(`  c${i}: {bridge: br${bridgeOf(i)}, ports: ["${i === changed ? 40000 + i : 10000 + i}:80"]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Busy and total jiffies of all CPUs, from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/**
 * Waits until the machine is idle (under 15 % busy for half a second, at most 60 s, 20 ms per container of
 * the last run beyond that): the kernel tears the last sandbox's namespaces down for seconds after it is gone,
 * and that is not the next measurement's time.
 */
async function quiet(n: number): Promise<void> {
  const until = Date.now() + Math.max(60_000, 20 * n);
  while (Date.now() < until) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 500));
    const b = cpuTimes();
    if ((b.busy - a.busy) / Math.max(1, b.total - a.total) < 0.15) return;
  }
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

/** Runs tnet in the sandbox with TNET_TRACE (for maxrss and phases) and extra environment; fails loudly. */
async function tnet(box: Sandbox, env: string[], ...args: string[]): Promise<{ ms: number; rssKb: number; out: string; stderr: string; phases: [string, number][] }> {
  const [ms, r] = await timed(() => box.run(['env', 'TNET_TRACE=1', ...env, ...TNET, ...args]));
  if (r.code !== 0) throw new Error(`tnet ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  const rssKb = Number(/maxrss (\d+) KB/.exec(r.stderr)?.[1] ?? 0);
  const phases = [...r.stderr.matchAll(/^tnet trace: (.+?) ([\d.]+) ms$/gm)].map((m): [string, number] => [m[1], Number(m[2])]);
  return { ms, rssKb, out: r.stdout, stderr: r.stderr, phases };
}

/** Peak resident set of a process, from /proc: the watch does not print its maxrss. */
function vmHwmKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function measureTnet(n: number): Promise<TnetRun> {
  await quiet(n);
  const box = await Sandbox.create();
  try {
    const spec = box.writeSpec('bench.yaml', specYaml(n));
    process.stderr.write('  apply…\n');
    const apply = await tnet(box, [], 'apply', '-f', spec);
    const logPath = join(box.dir, 'exec.log');
    const noop = await tnet(box, [`TNET_EXEC_LOG=${logPath}`], 'apply', '-f', spec);
    if (!/No changes/.test(noop.out)) throw new Error(`the re-apply was not a no-op:\n${noop.out}`);
    const log = execLog(logPath);
    writeFileSync(spec, specYaml(n, Math.floor(n / 2)));
    const change = await tnet(box, [], 'apply', '-f', spec);
    const watch = await measureWatch(box, spec, n);
    process.stderr.write('  prune…\n');
    const pruneCount = Array.from({ length: n }, (_, i) => i).filter(pruned).length;
    writeFileSync(spec, specYaml(n, watch.lastChanged, 1));
    const prune = await tnet(box, [], 'apply', '-f', spec);
    const held = Array.from({ length: n }, (_, i) => i).filter(prunedHeld);
    const started = await box.sh(`for i in ${held.join(' ')}; do nsenter --net=/run/netns/c$i ${HOLDER} </dev/null >/dev/null 2>&1 & done; sleep 1`);
    if (started.code !== 0) throw new Error(`starting the holders failed: ${started.stderr}`);
    process.stderr.write('  prune of held namespaces…\n');
    writeFileSync(spec, specYaml(n, watch.lastChanged, 2));
    const pruneHeld = await tnet(box, [], 'apply', '-f', spec);
    const warned = (pruneHeld.stderr.match(/is still held by/g) ?? []).length;
    await box.sh(`pkill -f '^${HOLDER}$' || true`);
    if (warned !== held.length) throw new Error(`the held prune warned of ${warned} namespaces, not ${held.length}`);
    process.stderr.write('  destroy…\n');
    const destroy = await tnet(box, [], 'destroy', '-f', spec);
    return {
      n,
      apply: apply.ms,
      applyPhases: apply.phases,
      applyRssKb: apply.rssKb,
      noop: noop.ms,
      noopMutations: mutations(log),
      noopEntries: namespaceEntries(log),
      change: change.ms,
      watchEdits: watch.edits,
      watchRssKb: watch.rssKb,
      prune: prune.ms,
      pruneCount,
      pruneHeld: pruneHeld.ms,
      pruneHeldCount: held.length,
      destroy: destroy.ms,
      destroyCount: n - pruneCount - held.length,
      rssKb: Math.max(apply.rssKb, noop.rssKb, change.rssKb, prune.rssKb, pruneHeld.rssKb, destroy.rssKb),
    };
  } finally {
    await box.destroy();
  }
}

/** Edits per watch run: one edit is one sample of a noisy machine; several give a median and a worst case. */
const WATCH_EDITS = 5;

/** From writing the edited spec to the watch's "applied" log line, for one container's port, edit after edit. */
async function measureWatch(box: Sandbox, spec: string, n: number): Promise<{ edits: number[]; rssKb: number; lastChanged: number }> {
  // TNET_TRACE: a few lines on stderr per reconcile, so a watch that is slow to start shows where it is.
  const w = Watch.startWith(box, ['TNET_TRACE=1'], spec, '--resync', '10m');
  let lastChanged = -1;
  try {
    await w.ready(Math.max(300_000, 60 * n));
    const out: number[] = [];
    for (let k = 0; k < WATCH_EDITS; k++) {
      await new Promise((r) => setTimeout(r, 1000)); // the last reconcile's own kernel echoes settle
      const from = w.lines.length;
      lastChanged = Math.floor((n * (k + 1)) / (WATCH_EDITS + 2));
      // The text made first: only the write and what follows it are the edit's (10,000 lines take a few ms).
      const text = specYaml(n, lastChanged);
      const t = performance.now();
      writeFileSync(spec, text);
      await w.waitFor((l) => l.message.startsWith('applied'), 60_000, from);
      out.push(performance.now() - t);
      process.stderr.write(`  watch edit ${k + 1}: ${out[k].toFixed(0)} ms\n`);
    }
    return { edits: out, rssKb: vmHwmKb(w.pid), lastChanged };
  } finally {
    await w.stop('SIGTERM', Math.max(10_000, 10 * n));
  }
}

/**
 * The host's objects and the rules, as both the floor and the baseline write them. `inBridge`: each veth made
 * in its bridge (`link add … master BR`), the floor's way since it is faster at scale; the baseline enslaves
 * it afterwards, as it always did.
 */
function handWritten(n: number, inBridge = false): { host: string[]; rules: string } {
  const host: string[] = [];
  const nat = ['*nat', ':BENCH - [0:0]', '-A PREROUTING -m addrtype --dst-type LOCAL -j BENCH', '-A OUTPUT -m addrtype --dst-type LOCAL -j BENCH'];
  const filter = ['*filter', ':BENCH-FWD - [0:0]', '-A FORWARD -j BENCH-FWD'];
  for (let k = 0; k < bridgesFor(n); k++) {
    const { gw, subnet } = addressOf(k * 1000);
    host.push(`link add name br${k} type bridge`, `addr add ${gw}/16 dev br${k}`, `link set br${k} up`);
    nat.push(`-A POSTROUTING -s ${subnet} ! -o br${k} -j MASQUERADE`);
    filter.push(`-A BENCH-FWD -o br${k} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A BENCH-FWD -i br${k} ! -o br${k} -j ACCEPT`, `-A BENCH-FWD -i br${k} -o br${k} -j ACCEPT`);
  }
  for (let i = 0; i < n; i++) {
    const { ip } = addressOf(i);
    const br = `br${bridgeOf(i)}`;
    // No IPv6 link-local address on either end, as tnet makes them: addrconf's DAD and MLD on every port that
    // comes up is kernel work neither needs.
    if (inBridge) host.push(`netns add b${i}`, `link add name vb${i} master ${br} type veth peer name eth0 netns b${i}`, `link set vb${i} addrgenmode none up`);
    else host.push(`netns add b${i}`, `link add name vb${i} type veth peer name eth0 netns b${i}`, `link set vb${i} master ${br} addrgenmode none up`);
    nat.push(`-A BENCH -p tcp -m tcp --dport ${10000 + i} -j DNAT --to-destination ${ip}:80`);
    filter.push(`-A BENCH-FWD -d ${ip}/32 ! -i ${br} -o ${br} -p tcp -m tcp --dport 80 -j ACCEPT`);
  }
  return { host, rules: `${nat.join('\n')}\nCOMMIT\n${filter.join('\n')}\nCOMMIT\n` };
}

/**
 * The kernel floor: the same bridges, namespaces, veths, enslaving, addresses and routes as tnet's apply, made
 * the fastest way found by hand, then the rules apart. Tried at N=1000 on 2 shared cores (2026-12-02):
 * - the inside of each namespace by a process per namespace: `ip -n NS -batch` (the baseline below, which
 *   also copies the mount table, a thousand /run/netns mounts, for every namespace) or `nsenter --net=…
 *   ip -batch` (two exec()s per namespace): 60 s for the inside of a thousand namespaces;
 * - the inside by one process that setns()es into each namespace in turn and speaks rtnetlink: tnet's own
 *   worker (libexec/tnet-netlink.pl, its input lines written here by hand), one or two in parallel: 1.3-2.6 s
 *   for the same, the two no slower than one and using both cores;
 * - the host side as one `ip -batch`, or split over two in parallel: no consistent gain over five pairs (the
 *   rtnl lock and the mount of each /run/netns entry serialise most of it), so one, as tnet does;
 * - the insides of the first half of the namespaces beside the host batch of the second half (2026-12-04):
 *   1,292 ms against 1,225 one after the other at 1,000 (medians of three), the kernel's work serialised;
 * - each veth made in its bridge (`link add … master BR …`, then `link set … up`) rather than enslaved by the
 *   `link set` (2026-12-04): the host batch of 10,000 in 15.2 s instead of 21.3 s, of 3,000 in 3.36 s instead
 *   of 3.54 s (one run and the medians of two), of 1,000 no faster (1,008 against 950 ms, medians of six).
 * So: one host `ip -batch` (the bridges; `netns add`, `link add … master BR type veth peer name eth0 netns
 * NS`, `link set … up` per container), then two workers, each for every other namespace (lo up, eth0 up,
 * address, default route), then one `iptables-restore --noflush` for the rules (reported apart). Bash times each step
 * with $EPOCHREALTIME, so neither the sandbox's start nor the script's files count.
 */
function floorScript(dir: string, n: number): string {
  const { host, rules } = handWritten(n, true);
  const inside = (part: number) =>
    Array.from({ length: n }, (_, i) => i)
      .filter((i) => i % 2 === part)
      .map((i) => {
        const { ip, gw } = addressOf(i);
        return `/run/netns/b${i}\tmark floor\tlink eth0 noipv6 up\taddr-add eth0 ${ip}/16\troute-replace default ${gw} eth0\n`;
      })
      .join('');
  writeFileSync(join(dir, 'host.batch'), `${host.join('\n')}\n`);
  writeFileSync(join(dir, 'inside.0'), inside(0));
  writeFileSync(join(dir, 'inside.1'), inside(1));
  writeFileSync(join(dir, 'rules'), rules);
  return [
    'set -e',
    't0=${EPOCHREALTIME/./}',
    `ip -batch ${dir}/host.batch`,
    't1=${EPOCHREALTIME/./}',
    `perl ${WORKER} < ${dir}/inside.0 > ${dir}/out.0 & a=$!`,
    `perl ${WORKER} < ${dir}/inside.1 > ${dir}/out.1 & b=$!`,
    'wait $a; wait $b',
    't2=${EPOCHREALTIME/./}',
    `iptables-restore --noflush ${dir}/rules`,
    't3=${EPOCHREALTIME/./}',
    'echo "host $(( (t1 - t0) / 1000 )) inside $(( (t2 - t1) / 1000 )) rules $(( (t3 - t2) / 1000 ))"',
    `cat ${dir}/out.0 ${dir}/out.1 | grep -v '^OK ' || true`,
    '',
  ].join('\n');
}

async function measureFloor(n: number): Promise<FloorRun> {
  await quiet(n);
  const box = await Sandbox.create();
  try {
    const script = join(box.dir, 'floor.sh');
    writeFileSync(script, floorScript(box.dir, n));
    const r = await box.run(['bash', script]);
    if (r.code !== 0) throw new Error(`floor failed: ${r.stderr}${r.stdout}`);
    const [, host, inside, rules] = /^host (\d+) inside (\d+) rules (\d+)$/m.exec(r.stdout) ?? [];
    const failed = r.stdout.split('\n').filter((l) => l.startsWith('ERR '));
    if (!rules || !host || failed.length) throw new Error(`floor: ${r.stdout}${r.stderr}`);
    // The last namespace must be what tnet makes: its address and default route.
    const { ip, gw } = addressOf(n - 1);
    const check = await box.run(['ip', '-n', `b${n - 1}`, '-4', 'route', 'get', '192.0.2.1']);
    if (!check.stdout.includes(`via ${gw}`) || !check.stdout.includes(`src ${ip}`)) throw new Error(`floor: b${n - 1} is not configured: ${check.stdout}${check.stderr}`);
    return { host: Number(host), inside: Number(inside), rules: Number(rules) };
  } finally {
    await box.destroy();
  }
}

/** The older baseline: one host `ip -batch`, one `ip -n NS -batch` per namespace, one restore, in one shell. */
function baselineScript(dir: string, n: number): string {
  const { host, rules } = handWritten(n);
  const perNs: string[] = [];
  for (let i = 0; i < n; i++) {
    const { ip, gw } = addressOf(i);
    writeFileSync(join(dir, `b${i}.batch`), `link set lo up\nlink set eth0 up\naddr add ${ip}/16 dev eth0\nroute add default via ${gw}\n`);
    perNs.push(`ip -n b${i} -batch ${dir}/b${i}.batch`);
  }
  writeFileSync(join(dir, 'host.batch'), `${host.join('\n')}\n`);
  writeFileSync(join(dir, 'rules'), rules);
  return `set -e\nip -batch ${dir}/host.batch\n${perNs.join('\n')}\niptables-restore --noflush ${dir}/rules\n`;
}

async function measureBaseline(n: number): Promise<number> {
  await quiet(n);
  const box = await Sandbox.create();
  try {
    const script = join(box.dir, 'baseline.sh');
    writeFileSync(script, baselineScript(box.dir, n));
    const [ms, r] = await timed(() => box.run(['sh', script]));
    if (r.code !== 0) throw new Error(`baseline failed: ${r.stderr}`);
    return ms;
  } finally {
    await box.destroy();
  }
}

/** The CNI reference plugins are a peer of the bench only: installed here (Debian's package), not by CI. */
function installCni(): boolean {
  const have = () => existsSync(`${CNI_DIR}/bridge`) && existsSync(`${CNI_DIR}/portmap`);
  if (have()) return true;
  process.stderr.write('installing containernetworking-plugins for the CNI comparison…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  spawnSync('apt-get', ['install', '-y', '-qq', 'containernetworking-plugins'], { stdio: 'ignore', env });
  return have();
}

/** CNI bridge + portmap, one ADD each per container as a runtime calls them; null when not installed. */
async function measureCni(count: number): Promise<number | null> {
  if (!installCni()) return null;
  await quiet(count);
  const box = await Sandbox.create();
  try {
    const lines = [
      'set -e',
      `export CNI_PATH=${CNI_DIR} CNI_IFNAME=eth0`,
      `bridge='{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.88.0.0/16","dataDir":"/run/cni-ipam"}}'`,
      'for i in $(seq 0 $(($1 - 1))); do',
      '  ip netns add cni$i',
      '  res=$(echo "$bridge" | CNI_COMMAND=ADD CNI_CONTAINERID=c$i CNI_NETNS=/run/netns/cni$i ' + `${CNI_DIR}/bridge)`,
      `  printf '{"cniVersion":"1.0.0","name":"bench","type":"portmap","capabilities":{"portMappings":true},"runtimeConfig":{"portMappings":[{"hostPort":%d,"containerPort":80,"protocol":"tcp"}]},"prevResult":%s}' $((10000 + i)) "$res" | CNI_COMMAND=ADD CNI_CONTAINERID=c$i CNI_NETNS=/run/netns/cni$i ${CNI_DIR}/portmap >/dev/null`,
      'done',
    ];
    const script = join(box.dir, 'cni.sh');
    writeFileSync(script, `${lines.join('\n')}\n`);
    const [ms, r] = await timed(() => box.run(['sh', script, String(count)]));
    if (r.code !== 0) throw new Error(`CNI run failed: ${r.stderr}`);
    return ms / count;
  } finally {
    await box.destroy();
  }
}

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const mb = (kb: number) => `${f0(kb / 1024)} MB`;

function applyTable(rows: Row[]): string {
  const out = [
    '| N | bridges | tnet apply | per container | floor: links | per container | tnet/floor | floor: rules (one restore) | tnet/(floor+rules) | baseline | tnet/baseline | CNI bridge+portmap per container | CNI/tnet |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const per = r.apply / r.n;
    const cni = r.cniPerContainer === null ? '-' : `${f1(r.cniPerContainer)} ms (${r.cniCount} ADDs)`;
    const cniRatio = r.cniPerContainer === null ? '-' : `${f1(r.cniPerContainer / per)}x`;
    const base = r.baseline === null ? '-' : `${f0(r.baseline)} ms`;
    const baseRatio = r.baseline === null ? '-' : f2(r.apply / r.baseline);
    out.push(
      `| ${r.n} | ${r.bridges} | ${f0(r.apply)} ms | ${f2(per)} ms | ${f0(r.floor)} ms | ${f2(r.floor / r.n)} ms | ${f2(r.apply / r.floor)} | ${f0(r.floorRules)} ms | ${f2(r.apply / (r.floor + r.floorRules))} | ${base} | ${baseRatio} | ${cni} | ${cniRatio} |`,
    );
  }
  return out.join('\n');
}

function steadyTable(rows: Row[]): string {
  const ref = rows.find((r) => r.n === 1000) ?? rows[0];
  const out = [
    `| N | no-op re-apply | mutating cmds / namespace entries in no-op | one port changed: apply | in watch: median (slowest) | watch median / N=${ref.n}'s | prune 10 %: time (per container) | prune 10 % held by a process: time (per container) | held/idle | destroy: time (per container) | peak RSS: commands | peak RSS: watch |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.n} | ${f0(r.noop)} ms | ${r.noopMutations.length} / ${r.noopEntries.length} | ${f0(r.change)} ms | ${f0(r.watchChange)} ms (${f0(r.watchMax)} ms, ${r.watchCount} edits) | ${f2(r.watchChange / ref.watchChange)} | ${f0(r.prune)} ms (${f2(r.prune / r.pruneCount)} ms × ${r.pruneCount}) | ${f0(r.pruneHeld)} ms (${f2(r.pruneHeld / r.pruneHeldCount)} ms × ${r.pruneHeldCount}) | ${f2(r.pruneHeld / r.pruneHeldCount / (r.prune / r.pruneCount))} | ${f0(r.destroy)} ms (${f2(r.destroy / r.destroyCount)} ms × ${r.destroyCount}) | ${mb(r.rssKb)} | ${mb(r.watchRssKb)} |`,
    );
  }
  return out.join('\n');
}

/** The apply from empty, phase by phase (TNET_TRACE of the median run's first figure: the first run's). */
function phaseTable(rows: Row[]): string {
  const labels: string[] = [];
  for (const r of rows) for (const [l] of r.applyPhases) if (!labels.includes(l)) labels.push(l);
  const out = [`| apply from empty (TNET_TRACE) | ${rows.map((r) => `N=${r.n}: ms (per container)`).join(' | ')} |`, `|---|${rows.map(() => '---|').join('')}`];
  for (const l of labels) {
    const cells = rows.map((r) => {
      const ms = r.applyPhases.filter(([x]) => x === l).reduce((a, [, v]) => a + v, 0);
      return r.applyPhases.some(([x]) => x === l) ? `${f0(ms)} (${(ms / r.n).toFixed(3)})` : '-';
    });
    out.push(`| ${l} | ${cells.join(' | ')} |`);
  }
  out.push(`| floor: host ip -batch | ${rows.map((r) => `${f0(r.floorHost)} (${(r.floorHost / r.n).toFixed(3)})`).join(' | ')} |`);
  out.push(`| floor: inside, two workers | ${rows.map((r) => `${f0(r.floorInside)} (${(r.floorInside / r.n).toFixed(3)})`).join(' | ')} |`);
  return out.join('\n');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Field-wise median of several runs (mutating commands and entries: every run's, so one stray one shows). */
function medianRow(runs: TnetRun[]) {
  const pick = (k: 'apply' | 'noop' | 'change' | 'prune' | 'pruneHeld' | 'destroy') => median(runs.map((r) => r[k]));
  const edits = runs.flatMap((r) => r.watchEdits);
  const apply = pick('apply');
  return {
    n: runs[0].n,
    bridges: bridgesFor(runs[0].n),
    runs: runs.length,
    apply,
    applyPhases: runs.find((r) => r.apply === apply)!.applyPhases,
    noop: pick('noop'),
    noopMutations: runs.flatMap((r) => r.noopMutations),
    noopEntries: runs.flatMap((r) => r.noopEntries),
    change: pick('change'),
    watchChange: median(edits),
    watchMax: Math.max(...edits),
    watchCount: edits.length,
    prune: pick('prune'),
    pruneCount: runs[0].pruneCount,
    pruneHeld: pick('pruneHeld'),
    pruneHeldCount: runs[0].pruneHeldCount,
    destroy: pick('destroy'),
    destroyCount: runs[0].destroyCount,
    rssKb: Math.max(...runs.map((r) => r.rssKb)),
    applyRssKb: Math.max(...runs.map((r) => r.applyRssKb)),
    watchRssKb: Math.max(...runs.map((r) => r.watchRssKb)),
  };
}

async function repeat<T>(times: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(await f());
  return out;
}

function versionOf(cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0].trim();
}

function machineLine(runsText: string): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, Node ${process.version}, ${versionOf('ip', '-V')}, ${versionOf('iptables', '--version')}; ${runsText}`;
}

/** The DNS part; each of its runs waits for an idle machine first, as the scale runs do. */
function dnsPart(): Promise<DnsBench> {
  process.stderr.write('DNS…\n');
  return measureDns({
    containers: 100,
    seconds: Number(arg('dns-seconds', '10')),
    rate: 5000,
    rounds: Number(arg('dns-rounds', '3')),
    memoryContainers: 10_000,
    settle: () => quiet(1000),
    cpuProfDir: process.argv.includes('--dns-cpu-prof') ? arg('dns-cpu-prof', '') : undefined,
  });
}

/** A failed DNS part is reported, and the run fails, but the scale part's figures are still written. */
function dnsFailed(e: unknown): null {
  process.stderr.write(`the DNS part failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
  return null;
}

/** `--dns-only`: its tables, and its figures in OUT/dns.json (results.json keeps the last full run's). */
async function dnsOnly(outDir: string): Promise<void> {
  const dns = await dnsPart();
  const machine = machineLine('DNS part only');
  process.stdout.write(`${machine}\n\n${dnsTable(dns)}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'dns.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, dns }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${join(outDir, 'dns.json')}\n`);
}

function ipv6Part(): Promise<Ipv6Bench> {
  return measureIpv6(Number(arg('ipv6-n', '1000')), Number(arg('ipv6-runs', '3')));
}

/** `--ipv6-only`: its table, and its figures in OUT/ipv6.json. */
async function ipv6Only(outDir: string): Promise<void> {
  const ipv6 = await ipv6Part();
  const machine = machineLine(`${ipv6.runs} alternating pairs`);
  process.stdout.write(`${machine}\n\n${ipv6Table(ipv6)}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'ipv6.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, ipv6 }, null, 2)}\n`);
  process.stdout.write(`\nwrote ${join(outDir, 'ipv6.json')}\n`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root: it makes throwaway namespaces');
  const outDir = arg('out', 'bench');
  if (process.argv.includes('--dns-only')) return dnsOnly(outDir);
  if (process.argv.includes('--ipv6-only')) return ipv6Only(outDir);
  const sizes = arg('sizes', '1000,3000,10000').split(',').map(Number);
  const cniMax = process.argv.includes('--no-cni') ? 0 : Number(arg('cni-max', '100'));
  const runsArg = arg('runs', '');
  const runsFor = (n: number) => (runsArg ? Number(runsArg) : n >= 3000 ? 1 : 3);
  const baselineMax = Number(arg('baseline-max', '1000'));
  // --floor-only: the floor's runs alone, on stderr (to see what the kernel takes at a size without tnet).
  const floorOnly = process.argv.includes('--floor-only');
  const rows: Row[] = [];
  for (const n of sizes) {
    const runs = runsFor(n);
    process.stderr.write(`N=${n}: floor…\n`);
    const floors = await repeat(runs, () => measureFloor(n));
    process.stderr.write(`N=${n}: floor ${floors.map((f) => `${f.host}+${f.inside} ms, rules ${f.rules} ms`).join('; ')}\n`);
    if (floorOnly) continue;
    process.stderr.write(`N=${n}: tnet…\n`);
    const t = medianRow(await repeat(runs, () => measureTnet(n)));
    let baseline: number | null = null;
    if (n <= baselineMax) {
      process.stderr.write(`N=${n}: baseline…\n`);
      baseline = median(await repeat(runs, () => measureBaseline(n)));
    }
    const cniCount = Math.min(n, cniMax);
    let cniPerContainer: number | null = null;
    if (cniCount > 0) {
      process.stderr.write(`N=${n}: CNI (${cniCount} containers)…\n`);
      cniPerContainer = await measureCni(cniCount);
    }
    const floor = median(floors.map((f) => f.host + f.inside));
    rows.push({
      ...t,
      floor,
      floorHost: median(floors.map((f) => f.host)),
      floorInside: median(floors.map((f) => f.inside)),
      floorRules: median(floors.map((f) => f.rules)),
      baseline,
      cniPerContainer,
      cniCount,
    });
  }
  if (floorOnly) return;
  const dns = process.argv.includes('--no-dns') ? null : await dnsPart().catch(dnsFailed);
  const ipv6 = process.argv.includes('--no-ipv6') ? null : await ipv6Part();
  const runsText = runsArg ? `median of ${runsArg} runs` : 'median of 3 runs below N=3000, 1 run from there';
  const machine = machineLine(runsText);
  process.stdout.write(`${machine}\n\n${applyTable(rows)}\n\n${steadyTable(rows)}\n\n${phaseTable(rows)}\n`);
  if (dns) process.stdout.write(`\n${dnsTable(dns)}`);
  if (ipv6) process.stdout.write(`\n${ipv6Table(ipv6)}\n`);
  for (const r of rows) {
    if (r.noopMutations.length) process.stdout.write(`\nN=${r.n} no-op ran: ${r.noopMutations.join('; ')}\n`);
    if (r.noopEntries.length) process.stdout.write(`\nN=${r.n} no-op entered namespaces with: ${r.noopEntries.join('; ')}\n`);
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, rows, ...(dns ? { dns } : {}), ...(ipv6 ? { ipv6 } : {}) }, null, 2)}\n`);
  writeFileSync(join(outDir, 'per-container.svg'), perContainerChart(rows));
  process.stdout.write(`\nwrote ${join(outDir, 'results.json')} and ${join(outDir, 'per-container.svg')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
