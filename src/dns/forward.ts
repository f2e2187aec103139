// Asks a container's upstreams a query the server does not answer itself: in order, UDP then TCP if truncated.

import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { Deframer, frame } from './frame.js';
import { serverFailure } from './packets.js';

export interface ForwardOptions {
  /** The client asked over TCP: so is the upstream, whatever the answer's size. */
  tcp: boolean;
  /** The largest answer the UDP client takes: a longer one fetched over TCP goes back truncated instead. */
  udpLimit: number;
  /** How long one upstream has to answer before the next is asked. */
  timeoutMs: number;
  /** An upstream that did not answer, and why: for a log that must not write a line per query. */
  failed?: (upstream: string, reason: string) => void;
}

export interface Upstream {
  host: string;
  port: number;
}

type Outcome = { ok: true; answer: Buffer; truncated: boolean } | { ok: false; reason: string };

const DNS_PORT = 53;

/**
 * The first upstream's answer, as it sent it; SERVFAIL built from the query when none answered. Never
 * rejects: a dead upstream costs its timeout, or nothing when the kernel reports it unreachable at once.
 */
export async function forward(query: Buffer, upstreams: readonly string[], opts: ForwardOptions): Promise<Buffer | null> {
  for (const text of upstreams) {
    const at = parseUpstream(text);
    const got = at === null ? { ok: false as const, reason: 'not an address' } : await askOne(query, at, opts);
    if (got.ok) return got.answer;
    opts.failed?.(text, got.reason);
  }
  return serverFailure(query);
}

/** One upstream: over the client's transport, and over TCP again when a UDP answer comes truncated. */
async function askOne(query: Buffer, at: Upstream, opts: ForwardOptions): Promise<Outcome> {
  if (opts.tcp) return askTcp(query, at, opts.timeoutMs);
  const udp = await askUdp(query, at, opts.timeoutMs);
  if (!udp.ok || !udp.truncated) return udp;
  const tcp = await askTcp(query, at, opts.timeoutMs);
  // The truncated answer still tells the client to ask over TCP itself.
  return tcp.ok && tcp.answer.length <= opts.udpLimit ? tcp : udp;
}

/** `ip` or `ip:port` (`[v6]:port`): the port is there for tests and local resolvers on other ports. */
export function parseUpstream(text: string): Upstream | null {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1], port: Number(v6[2] ?? DNS_PORT) };
  if (isIPv6(text)) return { host: text, port: DNS_PORT };
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(text);
  return v4 ? { host: v4[1], port: Number(v4[2] ?? DNS_PORT) } : null;
}

/**
 * A connected socket of its own per query: the kernel then hands it only the upstream's datagrams, from a
 * random port, and reports an ICMP unreachable as ECONNREFUSED instead of letting the timeout run out.
 */
function askUdp(query: Buffer, at: Upstream, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = createSocket(isIPv6(at.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), timeoutMs);
    let done = false;
    function finish(o: Outcome): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(o);
    }
    sock.on('error', (e) => finish({ ok: false, reason: errorCode(e) }));
    sock.on('message', (msg) => {
      const o = checkAnswer(query, msg);
      if (o !== null) finish(o);
    });
    // The callback also runs when connect fails (no route to the upstream: ENETUNREACH): send then would throw.
    sock.connect(at.port, at.host, (err?: Error) => (err ? finish({ ok: false, reason: errorCode(err) }) : sock.send(query)));
  });
}

function askTcp(query: Buffer, at: Upstream, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = connect({ host: at.host, port: at.port });
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout (tcp)' }), timeoutMs);
    const stream = new Deframer();
    let done = false;
    function finish(o: Outcome): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    }
    sock.on('connect', () => sock.write(frame(query)));
    sock.on('error', (e) => finish({ ok: false, reason: `${errorCode(e)} (tcp)` }));
    sock.on('close', () => finish({ ok: false, reason: 'closed (tcp)' }));
    sock.on('data', (chunk) => {
      for (const msg of stream.push(chunk)) {
        const o = checkAnswer(query, msg);
        if (o !== null) return finish(o);
      }
    });
  });
}

/**
 * An answer to this query, or null for a stray datagram (another ID) to ignore. An answer dns-packet cannot
 * read is a failure of that upstream: passed on, the client would fail on it just the same.
 */
function checkAnswer(query: Buffer, msg: Buffer): Outcome | null {
  if (msg.length < 2 || msg[0] !== query[0] || msg[1] !== query[1]) return null;
  try {
    const answer = dnsPacket.decode(msg);
    if (answer.type !== 'response') return null;
    return { ok: true, answer: msg, truncated: answer.flag_tc };
  } catch {
    return { ok: false, reason: 'malformed answer' };
  }
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}
