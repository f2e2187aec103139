// The server's sockets: UDP and TCP on port 53 of each network's address, opened and closed as the records change.

import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket as Stream } from 'node:net';
import { Deframer, frame } from './frame.js';

/**
 * Answers one query that arrived at `local` from `source`: the response, or null to send nothing. Local answers
 * come back at once (no promise per query on the hot path); forwarded ones later.
 */
export type Handler = (local: string, source: string, msg: Buffer, tcp: boolean) => Buffer | null | Promise<Buffer | null>;

export interface ListenOptions {
  port: number;
  /** A TCP client that sends nothing for this long is closed. */
  idleMs: number;
  /** TCP clients per address at once; more are refused. */
  maxClients: number;
  /** Errors after a bind (a failed send, a reset connection): logged, never thrown. */
  log: (line: string) => void;
}

interface Endpoint {
  udp: Socket;
  tcp: Server;
  /** Open TCP clients: closing a server waits for them, so an address going away ends them first. */
  clients: Set<Stream>;
}

/**
 * Room for a burst of queries while the server is busy: the default (208 KiB) holds about 200 datagrams, and a
 * client with 200 queries in flight overflows it. The kernel caps it at net.core.rmem_max; it is kernel
 * memory, not the server's.
 */
const RECEIVE_BUFFER = 4 * 1024 * 1024;

/** Why an address could not be bound, as the control socket reports it: `bind 10.1.0.1:53: EADDRINUSE`. */
export class BindError extends Error {}

export class Listeners {
  private readonly open = new Map<string, Endpoint>();

  constructor(
    private readonly handle: Handler,
    private readonly opts: ListenOptions,
  ) {}

  get addresses(): string[] {
    return [...this.open.keys()];
  }

  /**
   * Binds the addresses not open yet, then closes those no longer wanted. All or nothing: when one bind
   * fails, the others just bound are closed again and the sockets stay as they were (the server keeps the
   * view that goes with them).
   */
  async sync(addresses: readonly string[]): Promise<void> {
    const wanted = new Set(addresses);
    const fresh = [...wanted].filter((a) => !this.open.has(a));
    const bound = await Promise.allSettled(fresh.map((a) => bindEndpoint(a, this.handle, this.opts)));
    const failed = bound.find((b): b is PromiseRejectedResult => b.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(bound.map((b) => (b.status === 'fulfilled' ? closeEndpoint(b.value) : null)));
      throw failed.reason;
    }
    bound.forEach((b, i) => this.open.set(fresh[i], (b as PromiseFulfilledResult<Endpoint>).value));
    const gone = [...this.open.keys()].filter((a) => !wanted.has(a));
    await Promise.all(gone.map((a) => closeEndpoint(this.open.get(a)!)));
    for (const a of gone) this.open.delete(a);
  }

  async close(): Promise<void> {
    await this.sync([]);
  }
}

async function bindEndpoint(address: string, handle: Handler, opts: ListenOptions): Promise<Endpoint> {
  const where = `${address}:${opts.port}`;
  // No SO_REUSEADDR: UDP has no TIME_WAIT to wait out, and with it a second server on the same address would
  // bind too and silently take the queries, instead of failing with EADDRINUSE.
  const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: literal, recvBufferSize: RECEIVE_BUFFER });
  try {
    await new Promise<void>((ok, ko) => {
      udp.once('error', ko);
      udp.bind({ address, port: opts.port }, () => (udp.off('error', ko), ok()));
    });
  } catch (e) {
    udp.close();
    throw new BindError(`bind ${where}: ${errnoOf(e)}`);
  }
  udp.on('error', (e) => opts.log(`udp ${where}: ${errnoOf(e)}`));
  udp.on('message', (msg, peer) => sendUdp(udp, handle(address, peer.address, msg, false), peer.port, peer.address));
  const clients = new Set<Stream>();
  const tcp = createServer((conn) => {
    clients.add(conn);
    conn.once('close', () => clients.delete(conn));
    serveStream(conn, address, handle, opts);
  });
  try {
    await new Promise<void>((ok, ko) => {
      tcp.once('error', ko);
      tcp.listen({ host: address, port: opts.port }, () => (tcp.off('error', ko), ok()));
    });
  } catch (e) {
    udp.close();
    throw new BindError(`bind ${where} (tcp): ${errnoOf(e)}`);
  }
  tcp.maxConnections = opts.maxClients;
  tcp.on('error', (e) => opts.log(`tcp ${where}: ${errnoOf(e)}`));
  return { udp, tcp, clients };
}

/**
 * Replies go to the address a query came from, always a literal: dns.lookup would check that again and defer
 * every send to the next tick, about a fifth of the server's time per query.
 */
export function literal(address: string, _family: unknown, done: (err: null, address: string, family: number) => void): void {
  done(null, address, isIPv6(address) ? 6 : 4);
}

function sendUdp(udp: Socket, response: Buffer | null | Promise<Buffer | null>, port: number, address: string): void {
  if (response instanceof Promise) response.then((r) => r !== null && sendLate(udp, r, port, address), () => undefined);
  else if (response !== null) udp.send(response, port, address);
}

/** A forwarded answer may come back after a reload closed its address: a send on a closed socket throws. */
function sendLate(udp: Socket, response: Buffer, port: number, address: string): void {
  try {
    udp.send(response, port, address);
  } catch {
    // The address is no longer served: the client will ask again.
  }
}

/** One TCP client: several queries per connection, each answered as soon as it is ready (RFC 7766). */
function serveStream(conn: Stream, local: string, handle: Handler, opts: ListenOptions): void {
  const stream = new Deframer();
  const source = conn.remoteAddress ?? '';
  conn.setTimeout(opts.idleMs, () => conn.destroy());
  conn.on('error', () => undefined);
  conn.on('data', (chunk) => {
    for (const msg of stream.push(chunk)) {
      const r = handle(local, source, msg, true);
      if (r instanceof Promise) r.then((b) => b !== null && !conn.destroyed && conn.write(frame(b)), () => undefined);
      else if (r !== null) conn.write(frame(r));
    }
  });
}

async function closeEndpoint(e: Endpoint): Promise<void> {
  e.udp.close();
  const closed = new Promise<void>((r) => e.tcp.close(() => r()));
  for (const c of e.clients) c.destroy();
  await closed;
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}
