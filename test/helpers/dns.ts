// DNS inside a Sandbox: a query from a namespace as its resolv.conf directs, an upstream resolver on a host.

import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Sandbox } from './sandbox.js';

const DNS_PACKET = resolve('node_modules/dns-packet');

/** What a query got: its rcode (or TIMEOUT), the answers' data, how long it took. */
export interface Answer {
  rcode: string;
  answers: string[];
  ms: number;
}

// One query over UDP (or TCP with `tcp`) to the first nameserver of /etc/resolv.conf, which `ip netns exec`
// bind-mounts from /etc/netns/<ns>/resolv.conf: what any resolver of the container would ask.
const CLIENT = `
const packet = require(${JSON.stringify(DNS_PACKET)}), fs = require('fs');
const [name, type, proto, server, wait] = process.argv.slice(1);
const ns = server || /^nameserver\\s+(\\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))[1];
const id = 4242, t0 = Date.now();
const q = { type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type, name }] };
const out = (o) => { console.log(JSON.stringify({ ...o, ms: Date.now() - t0 })); process.exit(0); };
setTimeout(() => out({ rcode: 'TIMEOUT', answers: [] }), Number(wait));
const done = (buf) => { const r = packet.decode(buf); out({ rcode: r.rcode, answers: r.answers.map((a) => String(a.data)) }); };
if (proto === 'tcp') {
  const s = require('net').connect(53, ns, () => s.write(packet.streamEncode(q)));
  let b = Buffer.alloc(0);
  s.on('data', (d) => { b = Buffer.concat([b, d]); if (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) done(b.subarray(2)); });
  s.on('error', (e) => out({ rcode: 'ERR ' + e.code, answers: [] }));
} else {
  const s = require('dgram').createSocket('udp4');
  s.on('message', done);
  s.send(packet.encode(q), 53, ns);
}
`;

/** A query from namespace `ns` (null: the sandbox host, then `server` is required). */
export async function query(box: Sandbox, ns: string | null, name: string, o: { type?: string; tcp?: boolean; server?: string; waitMs?: number } = {}): Promise<Answer> {
  const enter = ns ? ['ip', 'netns', 'exec', ns] : [];
  const args = [name, o.type ?? 'A', o.tcp ? 'tcp' : 'udp', o.server ?? '', String(o.waitMs ?? 4000)];
  const r = await box.run([...enter, process.execPath, '-e', CLIENT, ...args]);
  try {
    return JSON.parse(r.stdout) as Answer;
  } catch {
    return { rcode: `EXIT ${r.code}: ${r.stderr.trim()}`, answers: [], ms: 0 };
  }
}

// An upstream resolver: `A` records from its table, NXDOMAIN for the rest; UDP and TCP on port 53. `big.test`
// has 60 A records: over UDP it answers truncated (TC), over TCP whole, as a real resolver does.
const UPSTREAM = `
const packet = require(${JSON.stringify(DNS_PACKET)});
const table = JSON.parse(process.argv[1]);
const answer = (buf, tcp) => {
  const q = packet.decode(buf);
  const name = q.questions[0].name.toLowerCase();
  const ips = name === 'big.test' ? Array.from({ length: 60 }, (_, i) => '192.0.2.' + (i + 1)) : table[name];
  const base = { type: 'response', id: q.id, flags: packet.RECURSION_AVAILABLE | packet.RECURSION_DESIRED, questions: q.questions };
  if (!ips) return packet.encode({ ...base, flags: base.flags | 3 });
  if (name === 'big.test' && !tcp) return packet.encode({ ...base, flags: base.flags | packet.TRUNCATED_RESPONSE });
  return packet.encode({ ...base, answers: ips.map((ip) => ({ type: 'A', name, ttl: 60, data: ip })) });
};
const udp = require('dgram').createSocket('udp4');
udp.on('message', (m, r) => udp.send(answer(m, false), r.port, r.address));
udp.bind(53, '0.0.0.0', () => {
  require('net').createServer((s) => {
    let b = Buffer.alloc(0);
    s.on('error', () => {});
    s.on('data', (d) => {
      b = Buffer.concat([b, d]);
      while (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) {
        const len = b.readUInt16BE(0);
        const a = answer(b.subarray(2, 2 + len), true);
        const hdr = Buffer.alloc(2); hdr.writeUInt16BE(a.length);
        s.write(Buffer.concat([hdr, a]));
        b = b.subarray(2 + len);
      }
    });
  }).listen(53, '0.0.0.0', () => console.log('ready'));
});
setTimeout(() => process.exit(0), 120000).unref();
`;

/** Starts the upstream in namespace `ns`; stop() ends it. */
export async function startUpstream(box: Sandbox, ns: string, table: Record<string, string[]>): Promise<{ stop(): void }> {
  const child: ChildProcess = box.spawn(['ip', 'netns', 'exec', ns, process.execPath, '-e', UPSTREAM, JSON.stringify(table)]);
  await new Promise<void>((ok, ko) => {
    child.once('exit', (c) => ko(new Error(`upstream exited with ${c}`)));
    child.stdout!.once('data', () => ok());
  });
  return { stop: () => void child.kill('SIGKILL') };
}

// A process that keeps running in a container: every 100 ms it asks the nameserver it read at its start for
// `name` and reads /etc/hosts, and prints what changed; as a long-lived service in a container would.
const RESIDENT = `
const packet = require(${JSON.stringify(DNS_PACKET)}), fs = require('fs'), dgram = require('dgram');
const [name, hostsWord] = process.argv.slice(1);
const ns = /^nameserver\\s+(\\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))[1];
const s = dgram.createSocket('udp4');
let last = '';
let id = 1;
s.on('message', (m) => {
  const r = packet.decode(m);
  const hosts = fs.readFileSync('/etc/hosts', 'utf8').includes(hostsWord);
  const now = r.rcode + ' ' + r.answers.map((a) => a.data).join(',') + ' hosts:' + hosts;
  if (now !== last) console.log(now);
  last = now;
});
setInterval(() => s.send(packet.encode({ type: 'query', id: id++ & 0xffff, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), 53, ns), 100);
setTimeout(() => process.exit(0), 60000).unref();
`;

/** Starts the resident process in `ns`; `lines` collects what it printed, stop() ends it. */
export function startResident(box: Sandbox, ns: string, name: string, hostsWord: string): { lines: string[]; stop(): void } {
  const child = box.spawn(['ip', 'netns', 'exec', ns, process.execPath, '-e', RESIDENT, name, hostsWord]);
  const lines: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => lines.push(...d.trim().split('\n')));
  return { lines, stop: () => void child.kill('SIGKILL') };
}

/** Polls `f` every 100 ms until it holds, for at most `ms`. */
export async function eventually(f: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await f()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
