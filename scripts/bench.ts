// `npm run bench`: tnet against the hand-written minimum and the CNI reference plugins, in throwaway namespaces.
//
// Every run happens in its own Sandbox (unshare -n -m), never on the machine's network. Times are wall-clock
// milliseconds of whole commands (node start-up included for tnet); ratios make noise on a shared machine cancel.
// Each tnet and baseline figure is the median of --runs runs (default 3), each in a fresh sandbox.
// Usage: npm run bench [-- --sizes 100,1000] [-- --runs 3] [-- --cni-max 100]

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Sandbox } from '../test/helpers/sandbox.js';
import { Watch } from '../test/helpers/watch.js';

const CLI = resolve('bin/tnet.js');
const CNI_DIR = '/usr/lib/cni';

/** One run of tnet in a fresh sandbox: a time per step, every watch edit's. */
interface TnetRun {
  n: number;
  apply: number;
  noop: number;
  noopMutations: string[];
  change: number;
  watchEdits: number[];
  destroy: number;
  rssKb: number;
}

interface Row {
  n: number;
  apply: number;
  noop: number;
  noopMutations: string[];
  change: number;
  /** Median and slowest of every watch edit of every run. */
  watchChange: number;
  watchMax: number;
  watchCount: number;
  destroy: number;
  rssKb: number;
  baseline: number;
  cniPerContainer: number | null;
  cniCount: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function specYaml(n: number, changed = -1): string {
  const lines = ['version: 1', 'name: bench', 'bridges:', '  docker0: {subnet: 172.17.0.0/16}', 'containers:'];
  for (let i = 0; i < n; i++) lines.push(`  c${i}: {ports: ["${i === changed ? 40000 + i : 10000 + i}:80"]}`);
  return `${lines.join('\n')}\n`;
}

/** Busy and total jiffies of all CPUs, from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

/**
 * Waits until the machine is idle (under 15 % busy for half a second, at most 60 s): the kernel tears the
 * last sandbox's thousand namespaces down for seconds after it is gone, and that is not tnet's time.
 */
async function quiet(): Promise<void> {
  const until = Date.now() + 60_000;
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

/** Runs tnet in the sandbox with TNET_TRACE (for maxrss) and extra environment; fails loudly. */
async function tnet(box: Sandbox, env: string[], ...args: string[]): Promise<{ ms: number; rssKb: number; out: string }> {
  const [ms, r] = await timed(() => box.run(['env', 'TNET_TRACE=1', ...env, process.execPath, CLI, ...args]));
  if (r.code !== 0) throw new Error(`tnet ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  const rssKb = Number(/maxrss (\d+) KB/.exec(r.stderr)?.[1] ?? 0);
  return { ms, rssKb, out: r.stdout };
}

/** A command tnet started that writes: anything but `ip -j …` reads, *-save, version probes and reading shells. */
function mutations(logPath: string): string[] {
  if (!existsSync(logPath)) return [];
  return readFileSync(logPath, 'utf8').split('\n').filter(Boolean).filter((line) => {
    const [cmd, ...rest] = JSON.parse(line) as string[];
    const text = rest.join(' ');
    if (cmd === 'ip') return !rest.includes('-j');
    if (cmd.endsWith('-save') || text.includes('--version')) return false;
    if (cmd === 'sh') return !/ip -j/.test(text);
    return true;
  });
}

async function measureTnet(n: number): Promise<TnetRun> {
  await quiet();
  const box = await Sandbox.create();
  try {
    const spec = box.writeSpec('bench.yaml', specYaml(n));
    const apply = await tnet(box, [], 'apply', '-f', spec);
    const log = join(box.dir, 'exec.log');
    const noop = await tnet(box, [`TNET_EXEC_LOG=${log}`], 'apply', '-f', spec);
    if (!/No changes/.test(noop.out)) throw new Error(`the re-apply was not a no-op:\n${noop.out}`);
    writeFileSync(spec, specYaml(n, Math.floor(n / 2)));
    const change = await tnet(box, [], 'apply', '-f', spec);
    const watchEdits = await measureWatch(box, spec, n);
    const destroy = await tnet(box, [], 'destroy', '-f', spec);
    return {
      n,
      apply: apply.ms,
      noop: noop.ms,
      noopMutations: mutations(log),
      change: change.ms,
      watchEdits,
      destroy: destroy.ms,
      rssKb: Math.max(apply.rssKb, noop.rssKb, change.rssKb, destroy.rssKb),
    };
  } finally {
    await box.destroy();
  }
}

/** Edits per watch run: one edit is one sample of a noisy machine; several give a median and a worst case. */
const WATCH_EDITS = 5;

/** From writing the edited spec to the watch's "applied" log line, for one container's port, edit after edit. */
async function measureWatch(box: Sandbox, spec: string, n: number): Promise<number[]> {
  const w = Watch.start(box, spec, '--resync', '10m');
  try {
    await w.ready(120_000);
    const out: number[] = [];
    for (let k = 0; k < WATCH_EDITS; k++) {
      await new Promise((r) => setTimeout(r, 1000)); // the last reconcile's own kernel echoes settle
      const from = w.lines.length;
      const t = performance.now();
      writeFileSync(spec, specYaml(n, Math.floor((n * (k + 1)) / (WATCH_EDITS + 2))));
      await w.waitFor((l) => l.message.startsWith('applied'), 30_000, from);
      out.push(performance.now() - t);
      process.stderr.write(`  watch edit ${k + 1}: ${out[k].toFixed(0)} ms\n`);
    }
    return out;
  } finally {
    await w.stop();
  }
}

/** The same host state with the fewest processes, written by hand: one ip -batch, one ip -n per namespace, one restore. */
function baselineScript(dir: string, n: number): string {
  const host = ['link add name docker0 type bridge', 'addr add 172.17.0.1/16 dev docker0', 'link set docker0 up'];
  const nat = ['*nat', ':BENCH - [0:0]', '-A PREROUTING -m addrtype --dst-type LOCAL -j BENCH', '-A OUTPUT -m addrtype --dst-type LOCAL -j BENCH', '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'];
  const filter = ['*filter', ':BENCH-FWD - [0:0]', '-A FORWARD -j BENCH-FWD', '-A BENCH-FWD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'];
  const perNs: string[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `172.17.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`;
    host.push(`netns add b${i}`, `link add name vb${i} type veth peer name eth0 netns b${i}`, `link set vb${i} master docker0 up`);
    writeFileSync(join(dir, `b${i}.batch`), `link set lo up\nlink set eth0 up\naddr add ${ip}/16 dev eth0\nroute add default via 172.17.0.1\n`);
    perNs.push(`ip -n b${i} -batch ${dir}/b${i}.batch`);
    nat.push(`-A BENCH -p tcp -m tcp --dport ${10000 + i} -j DNAT --to-destination ${ip}:80`);
    filter.push(`-A BENCH-FWD -d ${ip}/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`);
  }
  writeFileSync(join(dir, 'host.batch'), `${host.join('\n')}\n`);
  writeFileSync(join(dir, 'rules'), `${nat.join('\n')}\nCOMMIT\n${filter.join('\n')}\n-A BENCH-FWD -i docker0 ! -o docker0 -j ACCEPT\nCOMMIT\n`);
  return `set -e\nip -batch ${dir}/host.batch\n${perNs.join('\n')}\niptables-restore --noflush ${dir}/rules\n`;
}

async function measureBaseline(n: number): Promise<number> {
  await quiet();
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

/** CNI bridge + portmap, one ADD each per container as a runtime calls them; null when not installed. */
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

async function measureCni(count: number): Promise<number | null> {
  if (!installCni()) return null;
  await quiet();
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

function table(rows: Row[]): string {
  const out = [
    '| N | tnet apply | baseline | tnet/baseline | per container: tnet | CNI bridge+portmap | CNI/tnet | no-op re-apply | mutating cmds in no-op | one port changed: apply | in watch: median (slowest) | destroy | peak RSS |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const per = r.apply / r.n;
    const cni = r.cniPerContainer === null ? 'not installed' : `${f1(r.cniPerContainer)} ms (${r.cniCount} ADDs)`;
    const ratio = r.cniPerContainer === null ? '-' : `${f1(r.cniPerContainer / per)}x`;
    out.push(
      `| ${r.n} | ${f0(r.apply)} ms | ${f0(r.baseline)} ms | ${(r.apply / r.baseline).toFixed(2)} | ${f1(per)} ms | ${cni} | ${ratio} | ${f0(r.noop)} ms | ${r.noopMutations.length} | ${f0(r.change)} ms | ${f0(r.watchChange)} ms (${f0(r.watchMax)} ms, ${r.watchCount} edits) | ${f0(r.destroy)} ms | ${f0(r.rssKb / 1024)} MB |`,
    );
  }
  return out.join('\n');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Field-wise median of several runs (mutating commands: every run's, so one stray one shows). */
function medianRow(runs: TnetRun[]): Omit<Row, 'baseline' | 'cniPerContainer' | 'cniCount'> {
  const pick = (k: 'apply' | 'noop' | 'change' | 'destroy' | 'rssKb') => median(runs.map((r) => r[k]));
  const edits = runs.flatMap((r) => r.watchEdits);
  return {
    n: runs[0].n,
    apply: pick('apply'),
    noop: pick('noop'),
    noopMutations: runs.flatMap((r) => r.noopMutations),
    change: pick('change'),
    watchChange: median(edits),
    watchMax: Math.max(...edits),
    watchCount: edits.length,
    destroy: pick('destroy'),
    rssKb: Math.max(...runs.map((r) => r.rssKb)),
  };
}

async function repeat<T>(times: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(await f());
  return out;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root: it makes throwaway namespaces');
  const sizes = arg('sizes', '100,1000').split(',').map(Number);
  const cniMax = Number(arg('cni-max', '100'));
  const runs = Number(arg('runs', '3'));
  const rows: Row[] = [];
  for (const n of sizes) {
    process.stderr.write(`N=${n}: tnet…\n`);
    const t = medianRow(await repeat(runs, () => measureTnet(n)));
    process.stderr.write(`N=${n}: baseline…\n`);
    const baseline = median(await repeat(runs, () => measureBaseline(n)));
    const cniCount = Math.min(n, cniMax);
    process.stderr.write(`N=${n}: CNI (${cniCount} containers)…\n`);
    const cniPerContainer = await measureCni(cniCount);
    rows.push({ ...t, baseline, cniPerContainer, cniCount });
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, Node ${process.version}; median of ${runs} runs`;
  process.stdout.write(`${machine}\n\n${table(rows)}\n`);
  for (const r of rows) if (r.noopMutations.length) process.stdout.write(`\nN=${r.n} no-op ran: ${r.noopMutations.join('; ')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
