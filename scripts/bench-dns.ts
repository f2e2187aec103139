// The DNS part of `npm run bench`: tnet's DNS server against aardvark-dns under dnsperf, on the same names asked
// by the same container, beside two UDP echo servers as the machine's floor; and tnet's server's memory with ten
// thousand containers' names.
//
// Every server runs in one throwaway Sandbox, on the same bridge: tnet's on the gateway (10.90.0.1) where `tnet
// apply` starts it, aardvark-dns on a second address of that bridge (10.90.255.254) with a configuration listing
// the same containers, addresses and names, the echo servers on two more. dnsperf runs in container c0's
// namespace and asks only names both DNS servers answer themselves, so nothing is forwarded (the sandbox has no
// route out anyway). The runs alternate between the servers, round after round, so that a busy moment of a
// shared machine falls on one round of each rather than on all of one server's runs; the table gives medians.
// The memory figure comes from a second sandbox: a records file of 10,000 containers on 10 networks, read by
// the server started with tnet's V8 flags, beside a bare Node with the same flags.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DNS_SERVER_FLAGS } from '../src/actuate/dns.js';
import type { DnsContainer, DnsRecords } from '../src/model/dns.js';
import { askLine } from '../src/util/line-socket.js';
import { query } from '../test/helpers/dns.js';
import { Sandbox } from '../test/helpers/sandbox.js';

/** The server's bundle that `tnet apply` starts. */
const SERVER = resolve('dist/bin/dns-server.cjs');
const DNSPERF = '/usr/bin/dnsperf';
const AARDVARK = '/usr/lib/podman/aardvark-dns';
const CLIENT = 'c0';
const GATEWAY = '10.90.0.1';
const AARDVARK_IP = '10.90.255.254';
const NODE_ECHO_IP = '10.90.255.1';
const PERL_ECHO_IP = '10.90.255.2';
const SPEC_NAME = 'dnsbench';

export interface DnsOptions {
  /** Containers of the spec whose names are asked. */
  containers: number;
  /** Length of each measured dnsperf run. */
  seconds: number;
  /** The fixed rate of the latency runs. */
  rate: number;
  /** Runs of each kind per server, alternating between the servers. */
  rounds: number;
  /** Containers in the records file of the memory figure. */
  memoryContainers: number;
  /** Waits until the machine is idle: the previous sandbox's teardown is not the next run's time. */
  settle: () => Promise<void>;
  /** Where tnet's server, started again with --cpu-prof, writes its profile of the rounds; none when absent. */
  cpuProfDir?: string;
}

/** One dnsperf run, from its statistics (and, for the latency runs, its per-query lines). */
export interface DnsperfRun {
  sent: number;
  completed: number;
  /** Queries without an answer within dnsperf's timeout (5 s). */
  lost: number;
  qps: number;
  /** Response codes and their counts: every one must be NOERROR, or a name was not answered locally. */
  rcodes: Record<string, number>;
  avgMs: number;
  /**
   * Datagrams the kernel dropped meanwhile for a full socket receive buffer (RcvbufErrors): on the servers'
   * side (queries), on the client's (answers). Where a lost query went.
   */
  serverDrops?: number;
  clientDrops?: number;
  /** The machine's CPU busy while it ran (all processes, all cores): a shared machine shows here. */
  machineBusy?: number;
  /** Percentiles of the answered queries' latencies (the latency runs only). */
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  maxMs?: number;
}

/** From /proc/<pid>/status: resident, its peak, and its anonymous and file-backed parts. */
export interface ProcessMemory {
  rssKb: number;
  hwmKb: number;
  anonKb: number;
  fileKb: number;
}

export interface ServerFigures {
  server: string;
  /** A UDP echo: the query sent back as its answer, what the machine, the kernel and dnsperf cost alone. */
  floor: boolean;
  /** `dnsperf -c 4 -q 200`, as fast as the server answers: one run per round. */
  max: DnsperfRun[];
  /** CPU time the server used per answered query in its max runs (user + system, all its threads). */
  cpuUsPerQuery: number;
  /** `dnsperf -Q <rate>`: the latency of a steady load, one run per round. */
  fixed: DnsperfRun[];
  /** After every run. */
  memory: ProcessMemory;
}

export interface MemoryFigures {
  containers: number;
  networks: number;
  names: number;
  /** How long the `reload` took, as the control socket answered it. */
  reloadMs: number;
  /** After the reload, before any query. */
  loaded: ProcessMemory;
  /** After every name was asked once: the answer cache holds one entry per name. */
  queried: ProcessMemory;
  /** Two seconds after the last query: what the server holds while it serves, once its idle collection ran. */
  settled: ProcessMemory;
  /** `node <flags> -e` idling: what any Node process takes before it does anything. */
  bareNode: ProcessMemory;
}

export interface DnsBench {
  containers: number;
  names: number;
  seconds: number;
  rate: number;
  rounds: number;
  dnsperf: string;
  servers: ServerFigures[];
  memory: MemoryFigures;
  /** tnet's server's CPU profile of the rounds, with --dns-cpu-prof. */
  profile?: Profile;
}

/** The functions where the server spent its time (self time), idle left out, and where the profile is. */
export interface Profile {
  file: string;
  busyMs: number;
  top: { fn: string; ms: number }[];
}

/** A server under test, as dnsperf and /proc see it. */
interface Target {
  server: string;
  address: string;
  pid: number;
  floor: boolean;
}

export async function measureDns(opts: DnsOptions): Promise<DnsBench> {
  if (!installed(DNSPERF, 'dnsperf')) throw new Error('dnsperf is not installed and apt-get could not install it');
  const hasAardvark = installed(AARDVARK, 'aardvark-dns');
  if (!hasAardvark) process.stderr.write('aardvark-dns could not be installed: tnet without it\n');
  await opts.settle();
  const peers = await measureServers(opts, hasAardvark);
  const profile = opts.cpuProfDir === undefined ? undefined : summarise(opts.cpuProfDir);
  await opts.settle();
  process.stderr.write(`DNS: tnet's server with ${opts.memoryContainers} containers' names…\n`);
  const memory = await measureMemory(opts.memoryContainers);
  const dnsperf = versionLine(DNSPERF, '-h', /Version .*/).replace('Version', 'dnsperf');
  return { ...peers, seconds: opts.seconds, rate: opts.rate, rounds: opts.rounds, dnsperf, memory, ...(profile ? { profile } : {}) };
}

/** A peer of the bench only, installed here from Debian's package, as the CNI plugins are. */
function installed(path: string, pkg: string): boolean {
  if (existsSync(path)) return true;
  process.stderr.write(`installing ${pkg} for the DNS comparison…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env });
  return existsSync(path);
}

function versionLine(cmd: string, arg: string, pick: RegExp): string {
  const r = spawnSync(cmd, [arg], { encoding: 'utf8' });
  return pick.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[0].trim() ?? '?';
}

async function measureServers(opts: DnsOptions, hasAardvark: boolean): Promise<{ containers: number; names: number; servers: ServerFigures[] }> {
  const box = await Sandbox.create();
  try {
    process.stderr.write(`DNS: tnet apply of ${opts.containers} containers…\n`);
    const records = await applySpec(box, opts.containers);
    const names = records.containers.flatMap((c) => c.endpoints[0].names);
    const queries = join(box.dir, 'queries');
    writeFileSync(queries, names.map((n) => `${n} A\n`).join(''));
    const profiled = opts.cpuProfDir === undefined ? null : await profiledServer(box, opts.cpuProfDir);
    const tnetPid = profiled?.pid ?? Number((await box.must('cat /run/tnet/dns/server.pid')).trim());
    const targets: Target[] = [{ server: 'tnet', address: GATEWAY, pid: tnetPid, floor: false }];
    if (hasAardvark) targets.push(await startAardvark(box, records));
    targets.push(await startEcho(box, 'node'), await startEcho(box, 'perl'));
    for (const t of targets) await verify(box, t, records, queries, names.length);
    const servers = await rounds(box, targets, queries, opts);
    if (profiled) await stopped(profiled);
    return { containers: opts.containers, names: names.length, servers };
  } finally {
    await box.destroy();
  }
}

/**
 * tnet's server started again as tnet starts it, with --cpu-prof: V8 writes the profile when the process ends,
 * and the sandbox's end kills with SIGKILL, so it is stopped with SIGTERM before.
 */
async function profiledServer(box: Sandbox, dir: string): Promise<ChildProcess> {
  const pid = Number((await box.must('cat /run/tnet/dns/server.pid')).trim());
  await box.must(`kill ${pid}; while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done`);
  mkdirSync(dir, { recursive: true });
  const child = box.spawn([process.execPath, ...DNS_SERVER_FLAGS, '--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`, SERVER, '--dir', '/run/tnet/dns']);
  const log = createWriteStream(join(dir, 'server.log'));
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    child.once('exit', () => ok());
    child.kill('SIGTERM');
  });
}

/** The newest profile in `dir`: self time per function, summed over the samples. */
function summarise(dir: string): Profile {
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (file === undefined) throw new Error(`the profiled server wrote no .cpuprofile into ${dir}`);
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frame = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = frame.get(id)!;
    const fn = `${f.functionName || '(anonymous)'}${f.url ? ` ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}` : ''}`;
    self.set(fn, (self.get(fn) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  self.delete('(idle)');
  const busyMs = sum([...self.values()]);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([fn, ms]) => ({ fn, ms }));
  return { file, busyMs, top };
}

/** The part of V8's .cpuprofile format read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Every fourth container has two aliases besides its name: `svc<i>` and `api<i>`. */
function dnsSpec(n: number): string {
  const lines = ['version: 1', `name: ${SPEC_NAME}`, 'bridges:', '  app: {subnet: 10.90.0.0/16}', 'containers:'];
  for (let i = 0; i < n; i++) {
    lines.push(i % 4 === 1 ? `  c${i}: {networks: {app: {aliases: [svc${i}, api${i}]}}}` : `  c${i}: {bridge: app}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The spec applied; what tnet wrote for its server, which the other server is configured from too. */
async function applySpec(box: Sandbox, n: number): Promise<DnsRecords> {
  const spec = box.writeSpec('dns.yaml', dnsSpec(n));
  const r = await box.tnet('apply', '-f', spec);
  if (r.code !== 0) throw new Error(`tnet apply failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(await box.must(`cat /run/tnet/dns/specs/${SPEC_NAME}.json`)) as DnsRecords;
}

/**
 * aardvark-dns on a second address of the bridge: its configuration is a file per network, the listening
 * address first, then `<id> <ipv4s> <ipv6s> <names>` per container. It forks, and its parent exits once the
 * child has written its pid file, which it does before it reads the configuration: answering is checked apart.
 */
async function startAardvark(box: Sandbox, records: DnsRecords): Promise<Target> {
  await box.must(`ip addr add ${AARDVARK_IP}/16 dev app`);
  const dir = join(box.dir, 'aardvark');
  mkdirSync(dir);
  const lines = records.containers.map((c) => `${containerId(c.name)} ${c.endpoints[0].ip}  ${c.endpoints[0].names.join(',')}`);
  writeFileSync(join(dir, 'app'), `${AARDVARK_IP}\n${lines.join('\n')}\n`);
  // It logs to syslog, which the sandbox lacks: the complaint on stderr is expected.
  const r = await box.run([AARDVARK, '--config', dir, '-p', '53', 'run']);
  if (r.code !== 0) throw new Error(`aardvark-dns did not start: ${r.stderr}${r.stdout}`);
  const pid = Number(readFileSync(join(dir, 'aardvark.pid'), 'utf8').trim());
  return { server: `aardvark-dns ${versionLine(AARDVARK, '--version', /\d+\.\d+\.\d+/)}`, address: AARDVARK_IP, pid, floor: false };
}

/** Podman's container ids are 64 hex digits: the name's, padded. */
function containerId(name: string): string {
  return Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64);
}

/**
 * The query sent back with QR set, which dnsperf counts as a NOERROR answer: Node's dgram with tnet's V8 flags
 * (no server in Node answers faster), and a blocking perl loop (no garbage collector, no event loop).
 */
const ECHO = {
  node: (ip: string) => [
    process.execPath,
    ...DNS_SERVER_FLAGS,
    '-e',
    `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address); }); s.bind(53, '${ip}', () => console.log('ready'));`,
  ],
  perl: (ip: string) => [
    'perl',
    '-MIO::Socket::INET',
    '-e',
    `my $s = IO::Socket::INET->new(LocalAddr => '${ip}', LocalPort => 53, Proto => 'udp') or die "bind: $!"; $| = 1; print "ready\\n"; my $b; while (my $peer = $s->recv($b, 4096)) { substr($b, 2, 1) = chr(ord(substr($b, 2, 1)) | 0x80); $s->send($b, 0, $peer); }`,
  ],
};

async function startEcho(box: Sandbox, kind: keyof typeof ECHO): Promise<Target> {
  const address = kind === 'node' ? NODE_ECHO_IP : PERL_ECHO_IP;
  await box.must(`ip addr add ${address}/16 dev app`);
  const child = box.spawn(ECHO[kind](address));
  await untilReady(child, `the ${kind} echo`);
  return { server: `floor: UDP echo, ${kind}`, address, pid: child.pid!, floor: true };
}

/** Resolves at the child's first output line; nsenter execs the command, so the child's pid is its own. */
function untilReady(child: ChildProcess, what: string): Promise<void> {
  return new Promise((ok, ko) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (c) => ko(new Error(`${what} exited with ${c}: ${err}`)));
    child.stdout!.once('data', () => ok());
  });
}

/**
 * The server answers at all (aardvark-dns reads its configuration after it says it is ready), a DNS server
 * answers one name with the right address, then every name of the query file once, all NOERROR.
 */
async function verify(box: Sandbox, t: Target, records: DnsRecords, queries: string, names: number): Promise<void> {
  const c = records.containers[records.containers.length - 1];
  const name = c.endpoints[0].names[c.endpoints[0].names.length - 1];
  let got = await query(box, CLIENT, name, { server: t.address, waitMs: 1000 });
  for (let i = 0; i < 20 && got.rcode === 'TIMEOUT'; i++) got = await query(box, CLIENT, name, { server: t.address, waitMs: 1000 });
  if (got.rcode !== 'NOERROR' || (!t.floor && got.answers.join() !== c.endpoints[0].ip)) {
    throw new Error(`${t.server} answered ${name} with ${got.rcode} ${got.answers.join()}, not ${c.endpoints[0].ip}`);
  }
  const pass = await dnsperf(box, t.address, queries, ['-n', '1']);
  if (pass.completed !== names || pass.rcodes.NOERROR !== names) {
    throw new Error(`${t.server}: a pass over the ${names} names got ${JSON.stringify(pass)}`);
  }
}

const maxArgs = (o: DnsOptions) => ['-c', '4', '-q', '200', '-l', String(o.seconds)];
const fixedArgs = (o: DnsOptions) => ['-Q', String(o.rate), '-l', String(o.seconds), '-v'];

/**
 * A warm-up each (the JIT, the answer cache), then round after round: every server's max run, every one's
 * fixed. Each run waits for an idle machine first: on a shared one, another's burst is not the server's time.
 */
async function rounds(box: Sandbox, targets: Target[], queries: string, opts: DnsOptions): Promise<ServerFigures[]> {
  for (const t of targets) await dnsperf(box, t.address, queries, ['-c', '4', '-q', '200', '-l', '2']);
  const runs = targets.map(() => ({ max: [] as DnsperfRun[], fixed: [] as DnsperfRun[], ticks: 0 }));
  const run = async (t: Target, args: string[]): Promise<DnsperfRun> => {
    await opts.settle();
    return counted(box, () => dnsperf(box, t.address, queries, args));
  };
  for (let r = 0; r < opts.rounds; r++) {
    process.stderr.write(`DNS: round ${r + 1} of ${opts.rounds}…\n`);
    for (const [i, t] of targets.entries()) {
      const before = cpuTicks(t.pid);
      runs[i].max.push(await run(t, maxArgs(opts)));
      runs[i].ticks += cpuTicks(t.pid) - before;
    }
    for (const [i, t] of targets.entries()) runs[i].fixed.push(await run(t, fixedArgs(opts)));
    for (const [i, t] of targets.entries()) {
      const [m, f] = [runs[i].max[r], runs[i].fixed[r]];
      process.stderr.write(`  ${t.server}: ${m.qps.toFixed(0)} q/s (${m.lost} lost), p99 ${f.p99Ms?.toFixed(3)} ms at ${opts.rate} q/s\n`);
    }
  }
  return targets.map((t, i) => {
    const answered = runs[i].max.reduce((a, m) => a + m.completed, 0);
    const cpuUsPerQuery = (runs[i].ticks * 1e6) / TICKS_PER_S / Math.max(1, answered);
    return { server: t.server, floor: t.floor, max: runs[i].max, cpuUsPerQuery, fixed: runs[i].fixed, memory: memoryOf(t.pid) };
  });
}

/** A run with the receive buffer drops on both sides while it ran. */
async function counted(box: Sandbox, run: () => Promise<DnsperfRun>): Promise<DnsperfRun> {
  const [server0, client0] = [await rcvbufErrors(box, null), await rcvbufErrors(box, CLIENT)];
  const cpu0 = cpuTimes();
  const r = await run();
  const cpu1 = cpuTimes();
  const machineBusy = (cpu1.busy - cpu0.busy) / Math.max(1, cpu1.total - cpu0.total);
  return { ...r, serverDrops: (await rcvbufErrors(box, null)) - server0, clientDrops: (await rcvbufErrors(box, CLIENT)) - client0, machineBusy };
}

/** Busy and total jiffies of all CPUs, from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = sum(f);
  return { busy: total - f[3] - f[4], total };
}

/** The UDP RcvbufErrors counter of the sandbox (null) or of a container's namespace. */
async function rcvbufErrors(box: Sandbox, ns: string | null): Promise<number> {
  const snmp = await box.must(`${ns === null ? '' : `ip netns exec ${ns} `}cat /proc/net/snmp`);
  const [names, values] = snmp.split('\n').filter((l) => l.startsWith('Udp:')).map((l) => l.split(/\s+/));
  return Number(values[names.indexOf('RcvbufErrors')]);
}

/**
 * dnsperf from the client container (or the sandbox itself); with `-v`, the latencies of its per-query lines
 * too. Its output goes to a file: read through a pipe as it comes, a line per query kept this process busy
 * on a core the servers need.
 */
async function dnsperf(box: Sandbox, server: string, queries: string, args: string[], port = 53, from: string | null = CLIENT): Promise<DnsperfRun> {
  const enter = from === null ? [] : ['ip', 'netns', 'exec', from];
  const out = join(box.dir, 'dnsperf.out');
  const r = await box.run(['sh', '-c', 'out=$1; shift; exec "$@" > "$out"', 'sh', out, ...enter, DNSPERF, '-s', server, '-p', String(port), '-d', queries, ...args]);
  const text = readFileSync(out, 'utf8');
  if (r.code !== 0) throw new Error(`dnsperf failed (${r.code}): ${r.stderr}${text.slice(-2000)}`);
  return { ...statistics(text), ...(args.includes('-v') ? percentiles(text) : {}) };
}

function statistics(out: string): DnsperfRun {
  const num = (label: string): number => {
    const m = new RegExp(`^\\s*${label}:\\s+([\\d.]+)`, 'm').exec(out);
    if (m === null) throw new Error(`dnsperf printed no "${label}":\n${out.slice(-2000)}`);
    return Number(m[1]);
  };
  const rcodes: Record<string, number> = {};
  const codes = /^\s*Response codes:\s+(.*)$/m.exec(out)?.[1] ?? '';
  for (const m of codes.matchAll(/([A-Z]+) (\d+) \(/g)) rcodes[m[1]] = Number(m[2]);
  return {
    sent: num('Queries sent'),
    completed: num('Queries completed'),
    lost: num('Queries lost'),
    qps: num('Queries per second'),
    rcodes,
    avgMs: num('Average Latency \\(s\\)') * 1000,
  };
}

/** From `> NOERROR name A 0.000345` lines: the latency of each answered query, in seconds. */
function percentiles(out: string): Pick<DnsperfRun, 'p50Ms' | 'p99Ms' | 'p999Ms' | 'maxMs'> {
  const ms = [...out.matchAll(/^> [A-Z]+ \S+ \S+ ([\d.]+)$/gm)].map((m) => Number(m[1]) * 1000).sort((a, b) => a - b);
  const at = (p: number): number => ms[Math.min(ms.length - 1, Math.max(0, Math.ceil(p * ms.length) - 1))] ?? NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999), maxMs: ms[ms.length - 1] ?? NaN };
}

/** USER_HZ: what Linux reports CPU times of /proc/<pid>/stat in on every architecture Node runs on. */
const TICKS_PER_S = 100;

/** utime + stime of a process and all its threads. */
function cpuTicks(pid: number): number {
  if (!existsSync(`/proc/${pid}`)) throw new Error(`the server of pid ${pid} is gone`);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function memoryOf(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), anonKb: kb('RssAnon'), fileKb: kb('RssFile') };
}

const MEMORY_NETWORKS = 10;
/** Where the memory run's upstreams point: loopback inside the sandbox; no query is forwarded anyway. */
const NO_UPSTREAM = '127.0.0.53';

/** Network k on a bridge of its own at 10.(110+k).0.1; its containers from .0.2 on, as tnet would allocate them. */
function memoryRecords(n: number): DnsRecords {
  const perNet = Math.ceil(n / MEMORY_NETWORKS);
  const networks = Array.from({ length: MEMORY_NETWORKS }, (_, k) => ({ name: `net${k}`, address: `10.${110 + k}.0.1` }));
  const containers: DnsContainer[] = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i / perNet);
    const j = (i % perNet) + 2;
    const names = i % 4 === 1 ? [`m${i}`, `svc${i}`, `api${i}`] : [`m${i}`];
    containers.push({ name: `m${i}`, endpoints: [{ network: `net${k}`, ip: `10.${110 + k}.${j >> 8}.${j & 255}`, names }], links: [], upstreams: [NO_UPSTREAM] });
  }
  return { spec: 'memory', networks, containers };
}

/**
 * The server started with tnet's flags, on port 5353 so nothing else of the sandbox is in its way; reloaded
 * as tnet reloads it; then every name asked once at its network's address. A bare Node beside it.
 */
async function measureMemory(n: number): Promise<MemoryFigures> {
  const box = await Sandbox.create();
  try {
    const records = memoryRecords(n);
    const dir = join(box.dir, 'dns');
    mkdirSync(join(dir, 'specs'), { recursive: true });
    writeFileSync(join(dir, 'specs', 'memory.json'), JSON.stringify(records));
    // Bridges without ports: the kernel has no dummy links everywhere, and a local address is all a bind needs.
    await box.must(records.networks.map((net, k) => `ip link add d${k} type bridge && ip addr add ${net.address}/16 dev d${k} && ip link set d${k} up`).join(' && '));
    const server = box.spawn([process.execPath, ...DNS_SERVER_FLAGS, SERVER, '--dir', dir, '--port', '5353']);
    server.stdout?.resume();
    server.stderr?.resume();
    const control = join(dir, 'control.sock');
    await untilAnswers(control);
    const t0 = performance.now();
    const reload = await askLine(control, 'reload', 30_000);
    const reloadMs = performance.now() - t0;
    if (!reload.ok || !reload.line.startsWith('ok')) throw new Error(`reload: ${JSON.stringify(reload)}`);
    const loaded = memoryOf(server.pid!);
    let names = 0;
    for (const net of records.networks) names += await askEveryName(box, net.name, net.address, records);
    const queried = memoryOf(server.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    const settled = memoryOf(server.pid!);
    return { containers: n, networks: records.networks.length, names, reloadMs, loaded, queried, settled, bareNode: await bareNode(box) };
  } finally {
    await box.destroy();
  }
}

async function untilAnswers(control: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = await askLine(control, 'ping', 1000);
    if (r.ok && r.line.startsWith('ok')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the DNS server did not answer on ${control}`);
}

/** Every name of one network, asked once from the sandbox itself: an asker the network does not know sees its names. */
async function askEveryName(box: Sandbox, network: string, address: string, records: DnsRecords): Promise<number> {
  const names = records.containers.flatMap((c) => c.endpoints.filter((e) => e.network === network).flatMap((e) => e.names));
  const file = join(box.dir, `queries-${network}`);
  writeFileSync(file, names.map((n) => `${n} A\n`).join(''));
  const pass = await dnsperf(box, address, file, ['-n', '1'], 5353, null);
  if (pass.completed !== names.length || pass.rcodes.NOERROR !== names.length) {
    throw new Error(`${network}: a pass over its ${names.length} names got ${JSON.stringify(pass)}`);
  }
  return names.length;
}

/** A Node with the same flags that does nothing, a second after it printed that it runs. */
async function bareNode(box: Sandbox): Promise<ProcessMemory> {
  const child = box.spawn([process.execPath, ...DNS_SERVER_FLAGS, '-e', "console.log('ready'); setInterval(() => undefined, 60_000);"]);
  await untilReady(child, 'a bare node');
  await new Promise((r) => setTimeout(r, 1000));
  return memoryOf(child.pid!);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const f0 = (x: number) => x.toFixed(0);
const ms2 = (x: number) => (Number.isNaN(x) ? '-' : `${x.toFixed(2)} ms`);
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
const memText = (m: ProcessMemory) => `${mb(m.rssKb)} (${mb(m.anonKb)} + ${mb(m.fileKb)})`;

/** The median over the rounds of one figure of the runs, and its range when there are several. */
function spread(runs: DnsperfRun[], pick: (r: DnsperfRun) => number, text: (x: number) => string): string {
  const xs = runs.map(pick);
  const m = text(median(xs));
  return xs.length > 1 ? `${m} (${text(Math.min(...xs))} to ${text(Math.max(...xs))})` : m;
}

function lostText(runs: DnsperfRun[]): string {
  const drops = (k: 'serverDrops' | 'clientDrops') => sum(runs.map((r) => r[k] ?? 0));
  return `${sum(runs.map((r) => r.lost))} of ${sum(runs.map((r) => r.sent))} (${drops('serverDrops')}, ${drops('clientDrops')})`;
}

/** The comparison side by side, the memory figure, and each target met or not. */
export function dnsTable(r: DnsBench): string {
  const s = r.servers;
  const row = (label: string, cell: (f: ServerFigures) => string) => `| ${label} | ${s.map(cell).join(' | ')} |`;
  const runs = r.rounds > 1 ? `median of ${r.rounds} rounds (range)` : 'one round';
  const lines = [
    `| ${r.containers} containers, ${r.names} names (A), asked from ${CLIENT}; ${r.dnsperf}; ${runs} | ${s.map((f) => f.server).join(' | ')} |`,
    `|---|${s.map(() => '---|').join('')}`,
    row(`max q/s (-c 4 -q 200, ${r.seconds} s)`, (f) => spread(f.max, (x) => x.qps, f0)),
    row('lost at max, all rounds (dropped by a full receive buffer: server side, client side)', (f) => lostText(f.max)),
    row('server CPU per answered query at max', (f) => `${f.cpuUsPerQuery.toFixed(1)} µs`),
    row(`latency at ${r.rate} q/s: p50`, (f) => spread(f.fixed, (x) => x.p50Ms ?? NaN, ms2)),
    row(`latency at ${r.rate} q/s: p99`, (f) => spread(f.fixed, (x) => x.p99Ms ?? NaN, ms2)),
    row(`latency at ${r.rate} q/s: p99.9; slowest`, (f) => `${ms2(median(f.fixed.map((x) => x.p999Ms ?? NaN)))}; ${ms2(Math.max(...f.fixed.map((x) => x.maxMs ?? NaN)))}`),
    row(`lost at ${r.rate} q/s, all rounds (receive buffer drops: server, client)`, (f) => lostText(f.fixed)),
    row(`machine CPU busy during the ${r.rate} q/s runs (all processes, all cores)`, (f) => spread(f.fixed, (x) => (x.machineBusy ?? NaN) * 100, (x) => `${f0(x)} %`)),
    row('server RSS after the runs (anonymous + file-backed)', (f) => memText(f.memory)),
  ];
  const m = r.memory;
  const memory = [
    `| tnet's server, ${m.containers} containers on ${m.networks} networks, ${m.names} names | RSS (anonymous + file-backed) |`,
    '|---|---|',
    `| after its reload (${f0(m.reloadMs)} ms) | ${memText(m.loaded)} |`,
    `| right after every name was asked once | ${memText(m.queried)} |`,
    `| settled, 2 s after the last query | ${memText(m.settled)} |`,
    `| peak (VmHWM), during a reload | ${mb(m.settled.hwmKb)} |`,
    `| a bare Node with the same flags, for reference | ${memText(m.bareNode)} |`,
  ];
  const profile = r.profile ? `\n${profileTable(r.profile)}\n` : '';
  return `${lines.join('\n')}\n\n${memory.join('\n')}\n${profile}\n${targets(r).join('\n')}\n`;
}

function profileTable(p: Profile): string {
  const rows = p.top.map((t) => `| ${t.fn} | ${f0(t.ms)} ms | ${f0((100 * t.ms) / p.busyMs)} % |`);
  const title = `tnet's server under the rounds, profiled (its figures above include the profiler's cost): self time, ${p.file}`;
  return [`| ${title} | ms | of ${f0(p.busyMs)} ms busy |`, '|---|---|---|', ...rows].join('\n');
}

/** The targets of tnet's server, each with what was measured. */
function targets(r: DnsBench): string[] {
  const tnet = r.servers.find((f) => f.server === 'tnet')!;
  const peer = r.servers.find((f) => f.server !== 'tnet' && !f.floor);
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const lost = sum([...tnet.max, ...tnet.fixed].map((x) => x.lost));
  const p99 = median(tnet.fixed.map((x) => x.p99Ms ?? NaN));
  const floors = r.servers.filter((f) => f.floor).map((f) => `${f.server.replace('floor: ', '')} ${ms2(median(f.fixed.map((x) => x.p99Ms ?? NaN)))}`);
  const out = [
    `- no query lost: ${mark(lost === 0)} (${lost})`,
    `- p99 under 1 ms at ${r.rate} q/s: ${mark(p99 < 1)} (${ms2(p99)}; the floors' on this machine: ${floors.join(', ')})`,
    `- under 50 MB with ${r.memory.containers} containers: ${mark(r.memory.settled.rssKb < 50 * 1024)} settled (${mb(r.memory.settled.rssKb)}; peak during a reload ${mb(r.memory.settled.hwmKb)}; a bare Node: ${mb(r.memory.bareNode.rssKb)})`,
  ];
  if (peer) {
    const [a, b] = [median(tnet.max.map((x) => x.qps)), median(peer.max.map((x) => x.qps))];
    out.unshift(`- at least ${peer.server}'s q/s: ${mark(a >= b)} (${f0(a)} against ${f0(b)})`);
  }
  return out;
}
