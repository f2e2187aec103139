// Traffic inside a Sandbox: an "outside host" on an uplink, node echo servers and clients, iptables dumps.
// Node is the only tool used for traffic: it is on every machine that runs these tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Sandbox, TNET, type RunResult } from './sandbox.js';

/** The uplink: the sandbox host is 198.18.0.1, the outside host 198.18.0.2 (RFC 2544 benchmarking space). */
/** A suite whose every test gets a fresh Sandbox with the outside host attached, and its servers stopped after. */
export function netSuite(name: string) {
  const t = suite<{ box: Sandbox; servers: Servers }>(name);
  t.before.each(async (ctx) => {
    ctx.box = await Sandbox.create();
    ctx.servers = new Servers(ctx.box);
    await addOutside(ctx.box);
  });
  t.after.each(async (ctx) => {
    await ctx.servers.stopAll();
    await ctx.box.destroy();
  });
  return t;
}

export const HOST_IP = '198.18.0.1';
export const OUTSIDE_IP = '198.18.0.2';
/** A second host address on the uplink, for ports bound to one address. */
export const OTHER_HOST_IP = '198.19.0.1';

/**
 * A namespace `outside` joined to the sandbox host by the veth `uplink`. It has no route to any
 * container subnet (only to the host's two uplink addresses): a reply reaches a container only when
 * the host masqueraded the request.
 */
export async function addOutside(box: Sandbox): Promise<void> {
  await box.must(`set -e
ip netns add outside
ip link add uplink type veth peer name eth0 netns outside
ip addr add ${HOST_IP}/24 dev uplink
ip addr add ${OTHER_HOST_IP}/32 dev uplink
ip link set uplink up
ip -n outside link set lo up
ip -n outside addr add ${OUTSIDE_IP}/24 dev eth0
ip -n outside link set eth0 up
ip -n outside route add ${OTHER_HOST_IP}/32 via ${HOST_IP}`);
}

// A server answering every TCP connection and UDP datagram with "<name> <peer address>", and logging
// "<proto> <port> <peer address>" on stdout for each. It exits when its stdin closes (the test ended).
const SERVER = `
const net = require('net'), dgram = require('dgram');
const [name, tcp, udp, host] = [process.argv[1], JSON.parse(process.argv[2]), JSON.parse(process.argv[3]), process.argv[4]];
let pending = tcp.length + udp.length;
const up = () => { if (--pending === 0) console.log('ready'); };
const peer = (a) => a.replace(/^::ffff:/, '');
for (const port of tcp) {
  net.createServer((s) => { console.log('tcp', port, peer(s.remoteAddress)); s.on('error', () => {}); s.end(name + ' ' + peer(s.remoteAddress) + '\\n'); })
    .listen(port, host, up);
}
for (const port of udp) {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.on('message', (m, r) => { console.log('udp', port, r.address); s.send(name + ' ' + r.address + '\\n', r.port, r.address); });
  s.bind(port, host, up);
}
if (pending === 0) console.log('ready');
process.stdin.on('end', () => process.exit(0)).resume();
setTimeout(() => process.exit(0), 120000).unref();
`;

// One request: prints the server's answer, or TIMEOUT / ERR <code>. Exits within `ms` whatever happens.
const CLIENT = `
const [proto, host, port, ms] = process.argv.slice(1);
const done = (s, c) => { process.stdout.write(s); process.exit(c); };
setTimeout(() => done('TIMEOUT', 2), Number(ms));
if (proto === 'tcp') {
  let d = '';
  const s = require('net').connect(Number(port), host);
  s.on('data', (c) => (d += c));
  s.on('end', () => done(d.trim(), 0));
  s.on('error', (e) => done('ERR ' + e.code, 1));
} else {
  const s = require('dgram').createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.on('message', (m) => done(String(m).trim(), 0));
  s.on('error', (e) => done('ERR ' + e.code, 1));
  s.send('hello', Number(port), host);
}
`;

export interface ServerPorts {
  tcp?: number[];
  udp?: number[];
  /** The address every port is bound to; every IPv4 address when absent, `::` for both families. */
  host?: string;
}

export class Server {
  private out = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (d) => (this.out += String(d)));
  }

  /**
   * Starts a server in namespace `ns` (null: the sandbox host) and waits until every port listens: on every
   * address, or only on `ports.host` (a service bound to the host's 127.0.0.1).
   */
  static async start(box: Sandbox, ns: string | null, name: string, ports: ServerPorts): Promise<Server> {
    const enter = ns ? ['ip', 'netns', 'exec', ns] : [];
    const child = spawn(
      'nsenter',
      ['-t', String(box.pid), '-n', '-m', '--', ...enter, process.execPath, '-e', SERVER, name, JSON.stringify(ports.tcp ?? []), JSON.stringify(ports.udp ?? []), ports.host ?? '0.0.0.0'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const server = new Server(child);
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    await new Promise<void>((ok, ko) => {
      const timer = setTimeout(() => ko(new Error(`server ${name} in ${ns} not ready within 5 s: ${err}`)), 5000);
      const check = () => {
        if (server.out.includes('ready')) {
          clearTimeout(timer);
          ok();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (c) => {
        clearTimeout(timer);
        ko(new Error(`server ${name} in ${ns} exited with ${c}: ${err}`));
      });
    });
    child.removeAllListeners('exit');
    return server;
  }

  /** Peer addresses this server saw, as "<proto> <port> <address>" lines. */
  get log(): string[] {
    return this.out.split('\n').filter((l) => /^(tcp|udp) /.test(l));
  }

  /** Ends the server and waits for it to be gone (it holds its namespace open while it runs). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    this.child.kill('SIGKILL');
    await gone;
  }
}

/** Servers started by a test, stopped by its after.each. */
export class Servers {
  private all: Server[] = [];
  constructor(private readonly box: Sandbox) {}
  async start(ns: string | null, name: string, ports: ServerPorts): Promise<Server> {
    const s = await Server.start(this.box, ns, name, ports);
    this.all.push(s);
    return s;
  }
  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((s) => s.stop()));
    this.all = [];
  }
}

/**
 * One TCP connection or UDP datagram from namespace `ns` (null: the sandbox host): the server's
 * answer ("<name> <address it saw>"), or "TIMEOUT" / "ERR <code>".
 */
export async function request(box: Sandbox, ns: string | null, proto: 'tcp' | 'udp', host: string, port: number, ms = 1500): Promise<string> {
  const enter = ns ? ['ip', 'netns', 'exec', ns] : [];
  const r = await box.run([...enter, process.execPath, '-e', CLIENT, proto, host, String(port), String(ms)]);
  return r.stdout.trim() || `EXIT ${r.code}: ${r.stderr.trim()}`;
}

export const tcp = (box: Sandbox, ns: string | null, host: string, port: number, ms?: number) => request(box, ns, 'tcp', host, port, ms);
export const udp = (box: Sandbox, ns: string | null, host: string, port: number, ms?: number) => request(box, ns, 'udp', host, port, ms);

/** iptables-save without comments and counters: the rule set as a comparable text. */
export async function rules(box: Sandbox, save = 'iptables-save'): Promise<string> {
  return (await box.must(save))
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''))
    .join('\n');
}

/** The same of ip6tables-save (or another save command: `ip6tables-legacy-save`). */
export const rules6 = (box: Sandbox, save = 'ip6tables-save'): Promise<string> => rules(box, save);

/** The global IPv6 address of eth0 in a container's namespace; undefined when it has none. */
export async function ip6Of(box: Sandbox, ns: string): Promise<string | undefined> {
  const a = await box.json(`ip -n ${ns} -j -6 addr show eth0 scope global`);
  return a[0]?.addr_info?.[0]?.local;
}

/** The sandbox host's and the IPv6-only outside host's addresses (2001:db8::/32, documentation space). */
export const HOST6_IP = '2001:db8:1::1';
export const OUTSIDE6_IP = '2001:db8:1::2';

/**
 * A namespace `outside6` joined to the sandbox host over IPv6 only, by the veth `uplink6`. It has no route
 * to any container subnet: a reply reaches a container only when the host masqueraded the request.
 */
export async function addOutside6(box: Sandbox): Promise<void> {
  await box.must(`set -e
ip netns add outside6
ip link add uplink6 type veth peer name eth0 netns outside6
ip link set uplink6 addrgenmode none
ip -n outside6 link set eth0 addrgenmode none
ip addr add ${HOST6_IP}/64 dev uplink6 nodad
ip link set uplink6 up
ip -n outside6 link set lo up
ip -n outside6 addr add ${OUTSIDE6_IP}/64 dev eth0 nodad
ip -n outside6 link set eth0 up`);
}

/** The address of eth0 in a container's namespace. */
export async function ipOf(box: Sandbox, ns: string): Promise<string> {
  const a = await box.json(`ip -n ${ns} -j -4 addr show eth0`);
  return a[0].addr_info[0].local;
}

/**
 * Runs tnet with iptables-restore and ip6tables-restore wrappers first in PATH: each call appends
 * "== <command> <args>" and its whole input to a log file, then feeds that input to the real command.
 */
export async function restoreShim(box: Sandbox): Promise<{ tnet: (...args: string[]) => Promise<RunResult>; log: () => string; clear: () => void }> {
  const dir = join(box.dir, 'shim');
  const log = join(dir, 'log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(log, '');
  for (const name of ['iptables-nft-restore', 'iptables-legacy-restore', 'iptables-restore', 'ip6tables-nft-restore', 'ip6tables-legacy-restore', 'ip6tables-restore']) {
    const real = (await box.sh(`command -v ${name}`)).stdout.trim();
    if (!real) continue;
    writeFileSync(join(dir, name), `#!/bin/sh\necho "== $0 $*" >> '${log}'\ntee -a '${log}' | '${real}' "$@"\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const path = `${dir}:${process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}`;
  return {
    tnet: (...args) => box.run(['env', `PATH=${path}`, ...TNET, ...args]),
    log: () => readFileSync(log, 'utf8'),
    clear: () => writeFileSync(log, ''),
  };
}

/** A probe's name, its result, and what it should be (a string, a pattern, or reached/not reached). */
export type Check = [what: string, got: Promise<string | boolean>, want: string | RegExp | boolean];

/** Runs every probe at once (the blocked ones each wait for their timeout) and reports all mismatches. */
export async function expectAll(checks: Check[]): Promise<void> {
  const got = await Promise.all(checks.map((c) => c[1]));
  const failures = checks.flatMap(([what, , want], i) => {
    const ok = want instanceof RegExp ? want.test(String(got[i])) : got[i] === want;
    return ok ? [] : [`${what}: got ${JSON.stringify(got[i])}, want ${want}`];
  });
  assert.equal(failures, [], failures.join('\n'));
}
