// Sends one real packet and says whether it got there: a TCP connect, a UDP datagram, an ICMP echo (ping).

import { run } from './exec.js';

export interface ProbeTarget {
  /** The command that enters the source's namespace (`nsenter --net=…`); [] for this one. */
  enter: string[];
  proto: 'tcp' | 'udp' | 'icmp';
  host: string;
  port: number | null;
  ms: number;
}

export interface ProbeOutcome {
  /** null: nothing could be sent. */
  reached: boolean | null;
  detail: string;
}

// A TCP reset or an ICMP port unreachable means the packet got there: only silence means it did not.
const CLIENT = `
const [proto, host, port, ms] = process.argv.slice(1);
const done = (reached, detail) => { process.stdout.write(JSON.stringify({ reached, detail })); process.exit(0); };
setTimeout(() => done(false, 'no answer in ' + ms + ' ms'), Number(ms));
const failed = (e) => e.code === 'ECONNREFUSED' ? done(true, (proto === 'tcp' ? 'reset' : 'port unreachable') + ' (ECONNREFUSED): nothing listens, but it got there') : done(false, e.code || e.message);
if (proto === 'tcp') {
  const s = require('net').connect(Number(port), host, () => done(true, 'connected'));
  s.on('error', failed);
} else {
  const s = require('dgram').createSocket('udp4');
  s.on('message', () => done(true, 'answered'));
  s.on('error', failed);
  s.connect(Number(port), host, () => s.send('tnet why'));
}
`;

export async function probe(t: ProbeTarget): Promise<ProbeOutcome> {
  if (t.proto === 'icmp') return ping(t);
  const [cmd, ...args] = [...t.enter, process.execPath, '-e', CLIENT, t.proto, t.host, String(t.port), String(t.ms)];
  const r = await run(cmd, args);
  try {
    return JSON.parse(r.stdout) as ProbeOutcome;
  } catch {
    return { reached: null, detail: `the probe could not run: ${r.stderr.trim() || `exit ${r.code}`}` };
  }
}

async function ping(t: ProbeTarget): Promise<ProbeOutcome> {
  const seconds = String(Math.max(1, Math.round(t.ms / 1000)));
  const [cmd, ...args] = [...t.enter, 'ping', '-c', '1', '-W', seconds, '-q', t.host];
  const r = await run(cmd, args);
  if (r.code === 0) return { reached: true, detail: 'echo answered' };
  if (r.code === 1) return { reached: false, detail: `no echo reply in ${seconds} s` };
  // `connect: Network is unreachable`: no route from the source, which is as much an answer as silence.
  if (/unreachable/i.test(r.stderr)) return { reached: false, detail: r.stderr.trim().replace(/^ping: /, '') };
  return { reached: null, detail: `ping could not run: ${r.stderr.trim() || `exit ${r.code}`}` };
}
