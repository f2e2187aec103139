// Queries and control lines as a client sends them, for the DNS server's tests: UDP, TCP and the control socket.

import { createSocket } from 'node:dgram';
import { connect, createConnection, createServer } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';
import type { DnsRecords } from '../../src/model/dns.js';

let nextId = 1;

/** A query for `name`, RD set, with an ID of its own. */
export function queryFor(name: string, type: RecordType = 'A', extra: Partial<Packet> = {}): Packet {
  nextId = (nextId % 0xfffe) + 1;
  return { type: 'query', id: nextId, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }], ...extra };
}

/** One UDP query; null when nothing came back within `timeoutMs`. */
export function askUdp(address: string, port: number, query: Packet | Buffer, timeoutMs = 2000): Promise<DecodedPacket | null> {
  const raw = Buffer.isBuffer(query) ? query : dnsPacket.encode(query);
  return new Promise((done) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => finish(null), timeoutMs);
    function finish(r: DecodedPacket | null): void {
      clearTimeout(timer);
      s.close();
      done(r);
    }
    s.on('message', (m) => finish(dnsPacket.decode(m)));
    s.on('error', () => finish(null));
    s.send(raw, port, address);
  });
}

/** Several queries on one TCP connection, answered in any order; the answers in the order asked. */
export function askTcp(address: string, port: number, queries: Packet[], timeoutMs = 2000): Promise<DecodedPacket[]> {
  return new Promise((done, fail) => {
    const conn = connect({ host: address, port });
    const got = new Map<number, DecodedPacket>();
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => (conn.destroy(), fail(new Error(`TCP: ${got.size} of ${queries.length} answers`))), timeoutMs);
    conn.on('connect', () => conn.write(Buffer.concat(queries.map((q) => dnsPacket.streamEncode(q)))));
    conn.on('error', (e) => (clearTimeout(timer), fail(e)));
    conn.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const a = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        got.set(a.id!, a);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (got.size === queries.length) {
        clearTimeout(timer);
        conn.end();
        done(queries.map((q) => got.get(q.id!)!));
      }
    });
  });
}

/** One command on the control socket and its reply line, or `closed` when the server hung up first. */
export function control(path: string, line: string, timeoutMs = 5000): Promise<string> {
  return new Promise((done) => {
    const conn = createConnection(path);
    let got = '';
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    function finish(r: string): void {
      clearTimeout(timer);
      conn.destroy();
      done(r);
    }
    conn.on('connect', () => conn.write(`${line}\n`));
    conn.on('data', (d) => {
      got += String(d);
      if (got.includes('\n')) finish(got.slice(0, got.indexOf('\n')));
    });
    conn.on('error', (e) => finish(`error ${(e as NodeJS.ErrnoException).code}`));
    conn.on('close', () => finish('closed'));
  });
}

/** A port free for both UDP and TCP on 127.0.0.1, as the kernel picks one. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((done) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => done(p));
      });
    });
    const udpFree = await new Promise<boolean>((done) => {
      const s = createSocket('udp4');
      s.once('error', () => done(false));
      s.bind(port, '127.0.0.1', () => s.close(() => done(true)));
    });
    if (udpFree) return port;
  }
}

export const answersOf = (p: DecodedPacket | null): string[] =>
  (p?.answers ?? []).map((a) => `${a.name} ${a.type} ${'data' in a ? String(a.data) : ''}`);

export const rcodeOf = (p: DecodedPacket | null): string | undefined => (p as { rcode?: string } | null)?.rcode;

/**
 * Two specs' records: front (dual stack) and back (IPv4 only) networks sharing app, and an isolated dual-stack
 * network of another spec.
 */
export function sampleRecords(): DnsRecords[] {
  return [
    {
      spec: 'shop',
      networks: [
        { name: 'front', address: '10.1.0.1' },
        { name: 'back', address: '10.2.0.1' },
      ],
      containers: [
        { name: 'web', endpoints: [{ network: 'front', ip: '10.1.0.2', ip6: 'fd00:1::2', names: ['web', 'web-host', 'www'] }], links: [], upstreams: ['192.0.2.53', '192.0.2.54'] },
        {
          name: 'app',
          endpoints: [
            { network: 'front', ip: '10.1.0.3', ip6: 'fd00:1::3', names: ['app'] },
            { network: 'back', ip: '10.2.0.3', names: ['app', 'svc'] },
          ],
          links: [{ alias: 'Database', target: 'db' }, { alias: 'edge', target: 'web' }],
          upstreams: ['192.0.2.53'],
        },
        { name: 'db', endpoints: [{ network: 'back', ip: '10.2.0.2', names: ['db', 'svc'] }, { network: 'docker0', ip: '172.17.0.5', names: ['db'] }], links: [], upstreams: [] },
      ],
    },
    {
      spec: 'vault',
      networks: [{ name: 'iso', address: '10.3.0.1' }],
      containers: [{ name: 'secret', endpoints: [{ network: 'iso', ip: '10.3.0.2', ip6: 'fd00:3::2', names: ['secret'] }], links: [], upstreams: ['192.0.2.99'] }],
    },
  ];
}
