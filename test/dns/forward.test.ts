// Forwarding against fake upstreams on 127.0.0.1: UDP answers, truncation retried over TCP, dead upstreams.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { forward, parseUpstream, type ForwardOptions } from '../../src/dns/forward.js';
import { Deframer, frame } from '../../src/dns/frame.js';
import { freePort, queryFor } from './wire.js';

/** A fake upstream: answers each query with `data` as the A record; `tc` sets TC on its UDP answers. */
interface Fake {
  port: number;
  udpQueries: number;
  tcpQueries: number;
  close(): Promise<void>;
}

function reply(raw: Buffer, data: string, tc: boolean): Buffer {
  const q = dnsPacket.decode(raw);
  const answers = [{ type: 'A' as const, name: q.questions![0].name, ttl: 60, data }];
  return dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (tc ? dnsPacket.TRUNCATED_RESPONSE : 0), questions: q.questions, answers: tc ? [] : answers });
}

async function fake(opts: { udp?: 'answer' | 'truncate' | 'silent'; tcp?: boolean; data?: string } = {}): Promise<Fake> {
  const port = await freePort();
  const data = opts.data ?? '192.0.2.1';
  const f = { port, udpQueries: 0, tcpQueries: 0, close: async () => undefined };
  const udp: Socket = createSocket('udp4');
  udp.on('message', (m, peer) => {
    f.udpQueries++;
    if (opts.udp !== 'silent') udp.send(reply(m, data, opts.udp === 'truncate'), peer.port, peer.address);
  });
  await new Promise<void>((r) => udp.bind(port, '127.0.0.1', () => r()));
  let tcp: Server | null = null;
  if (opts.tcp) {
    tcp = createServer((c) => {
      const d = new Deframer();
      c.on('data', (chunk) => d.push(chunk).forEach((m) => (f.tcpQueries++, c.write(frame(reply(m, data, false))))));
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => tcp!.listen(port, '127.0.0.1', () => r()));
  }
  f.close = async () => {
    udp.close();
    if (tcp) await new Promise((r) => tcp!.close(r));
  };
  return f;
}

const opts = (extra: Partial<ForwardOptions> = {}): ForwardOptions => ({ tcp: false, udpLimit: 512, timeoutMs: 1000, ...extra });
const raw = (p: Packet = queryFor('example.com')) => dnsPacket.encode(p);
const decodedOf = (b: Buffer | null) => dnsPacket.decode(b!) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
const dataOf = (b: Buffer | null) => decodedOf(b).answers!.map((x) => ('data' in x ? String(x.data) : ''));

const t = suite<{ fakes: Fake[] }>('forward');
t.before.each((ctx) => {
  ctx.fakes = [];
});
t.after.each(async (ctx) => {
  await Promise.all(ctx.fakes.map((f) => f.close()));
});
const keep = (ctx: { fakes: Fake[] }, f: Fake) => (ctx.fakes.push(f), f);

t('an upstream\'s UDP answer goes back as it came, same ID', async (ctx) => {
  const up = keep(ctx, await fake());
  const q = queryFor('example.com');
  const r = await forward(raw(q), [`127.0.0.1:${up.port}`], opts());
  assert.is(decodedOf(r).id, q.id);
  assert.equal(dataOf(r), ['192.0.2.1']);
  assert.is(up.udpQueries, 1);
});

t('a truncated UDP answer is asked again over TCP of the same upstream', async (ctx) => {
  const up = keep(ctx, await fake({ udp: 'truncate', tcp: true, data: '192.0.2.7' }));
  const r = await forward(raw(), [`127.0.0.1:${up.port}`], opts());
  assert.equal(dataOf(r), ['192.0.2.7']);
  assert.not.ok(decodedOf(r).flag_tc);
  assert.equal([up.udpQueries, up.tcpQueries], [1, 1]);
});

t('a TCP answer too long for the UDP client: the truncated one goes back, so the client asks over TCP', async (ctx) => {
  const up = keep(ctx, await fake({ udp: 'truncate', tcp: true }));
  const r = await forward(raw(), [`127.0.0.1:${up.port}`], opts({ udpLimit: 20 }));
  assert.ok(decodedOf(r).flag_tc);
});

t('a client that asked over TCP is forwarded over TCP', async (ctx) => {
  const up = keep(ctx, await fake({ tcp: true, data: '192.0.2.8' }));
  const r = await forward(raw(), [`127.0.0.1:${up.port}`], opts({ tcp: true, udpLimit: Infinity }));
  assert.equal(dataOf(r), ['192.0.2.8']);
  assert.equal([up.udpQueries, up.tcpQueries], [0, 1]);
});

t('an upstream that never answers: SERVFAIL after its timeout, built from the query', async (ctx) => {
  const up = keep(ctx, await fake({ udp: 'silent' }));
  const failed: string[] = [];
  const q = queryFor('example.com');
  const t0 = performance.now();
  const r = await forward(raw(q), [`127.0.0.1:${up.port}`], opts({ failed: (u, why) => failed.push(`${u} ${why}`) }));
  const ms = performance.now() - t0;
  assert.ok(ms >= 950 && ms < 2000, `${ms} ms`);
  const d = decodedOf(r);
  assert.is(d.rcode, 'SERVFAIL');
  assert.is(d.id, q.id);
  assert.equal(d.questions, [{ name: 'example.com', type: 'A', class: 'IN' }]);
  assert.equal(failed, [`127.0.0.1:${up.port} timeout`]);
});

t('a port nothing listens on is unreachable at once (ECONNREFUSED): the next upstream is asked without waiting', async (ctx) => {
  const dead = await freePort();
  const up = keep(ctx, await fake({ data: '192.0.2.9' }));
  const failed: string[] = [];
  const t0 = performance.now();
  const r = await forward(raw(), [`127.0.0.1:${dead}`, `127.0.0.1:${up.port}`], opts({ failed: (u, why) => failed.push(`${u} ${why}`) }));
  assert.ok(performance.now() - t0 < 500, `${performance.now() - t0} ms`);
  assert.equal(dataOf(r), ['192.0.2.9']);
  assert.equal(failed, [`127.0.0.1:${dead} ECONNREFUSED`]);
});

t('a silent first upstream, then a live one: the second answers after the first\'s timeout', async (ctx) => {
  const silent = keep(ctx, await fake({ udp: 'silent' }));
  const up = keep(ctx, await fake({ data: '192.0.2.10' }));
  const r = await forward(raw(), [`127.0.0.1:${silent.port}`, `127.0.0.1:${up.port}`], opts({ timeoutMs: 300 }));
  assert.equal(dataOf(r), ['192.0.2.10']);
});

t('every upstream dead, and none at all: SERVFAIL', async () => {
  const [a, b] = [await freePort(), await freePort()];
  assert.is(decodedOf(await forward(raw(), [`127.0.0.1:${a}`, `127.0.0.1:${b}`], opts())).rcode, 'SERVFAIL');
  assert.is(decodedOf(await forward(raw(), [], opts())).rcode, 'SERVFAIL');
  assert.is(decodedOf(await forward(raw(), ['not-an-address'], opts())).rcode, 'SERVFAIL');
});

t('upstreams are addresses, with a port if not 53', () => {
  assert.equal(parseUpstream('192.0.2.53'), { host: '192.0.2.53', port: 53 });
  assert.equal(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.equal(parseUpstream('2001:db8::1'), { host: '2001:db8::1', port: 53 });
  assert.equal(parseUpstream('[2001:db8::1]:5353'), { host: '2001:db8::1', port: 5353 });
  assert.is(parseUpstream('dns.example'), null);
});

t.run();
