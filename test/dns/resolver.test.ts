// The hot path: cached answers served under the query's ID, what is kept and what not, malformed queries.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { AnswerCache } from '../../src/dns/cache.js';
import { formatError } from '../../src/dns/packets.js';
import { Resolver } from '../../src/dns/resolver.js';
import { buildView } from '../../src/dns/view.js';
import { queryFor, sampleRecords } from './wire.js';

const view = buildView(sampleRecords());
const resolver = () => new Resolver(view, { timeoutMs: 200, maxForwarding: 10, overloaded: () => undefined, upstreamFailed: () => undefined, crashed: (e) => assert.unreachable(String(e)) });
const decode = (b: unknown) => dnsPacket.decode(b as Buffer) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
const datas = (b: unknown) => decode(b).answers!.map((x) => ('data' in x ? String(x.data) : ''));

test('a local answer comes back at once, and again from the cache under the new query\'s ID', () => {
  const r = resolver();
  const first = queryFor('app');
  const a1 = r.handle('10.1.0.1', '10.1.0.2', dnsPacket.encode(first), false);
  assert.ok(Buffer.isBuffer(a1));
  const second = queryFor('app');
  const a2 = r.handle('10.1.0.1', '10.1.0.2', dnsPacket.encode(second), false) as Buffer;
  assert.is(decode(a2).id, second.id);
  assert.equal(datas(a2), ['10.1.0.3']);
  assert.is.not(a2, a1, 'a buffer of its own: a send may still hold the last one');
  assert.is(decode(a1).id, first.id, 'the earlier answer kept its ID');
});

test('the cache is per network and per profile: the same bytes from another asker get that asker\'s answer', () => {
  const r = resolver();
  const q = dnsPacket.encode(queryFor('db'));
  assert.equal(datas(r.handle('10.1.0.1', '10.1.0.3', q, false)), ['10.2.0.2'], 'app sees db');
  assert.is(decode(r.handle('10.1.0.1', '10.1.0.2', q, false)).rcode, 'NXDOMAIN', 'web does not');
  assert.equal(datas(r.handle('10.1.0.1', '10.1.0.3', q, false)), ['10.2.0.2']);
});

test('an asker by its IPv6 address gets its own scope from the cache, not a stranger\'s', () => {
  const r = resolver();
  const q = () => dnsPacket.encode(queryFor('db'));
  assert.is(decode(r.handle('10.1.0.1', 'fd00:1::99', q(), false)).rcode, 'NXDOMAIN', 'a stranger on front');
  assert.equal(datas(r.handle('10.1.0.1', 'fd00:1::3', q(), false)), ['10.2.0.2'], 'app, which sees back');
  assert.equal(datas(r.handle('10.1.0.1', '10.1.0.3', dnsPacket.encode(queryFor('web', 'AAAA')), false)), ['fd00:1::2']);
});

test('a shared alias keeps its round robin through the cache', () => {
  const r = resolver();
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) seen.add(datas(r.handle('10.2.0.1', '10.2.0.2', dnsPacket.encode(queryFor('svc')), false)).join(' '));
  assert.equal([...seen].sort(), ['10.2.0.2 10.2.0.3', '10.2.0.3 10.2.0.2']);
});

test('a reload\'s view empties the cache', () => {
  const r = resolver();
  const q = () => dnsPacket.encode(queryFor('web'));
  assert.equal(datas(r.handle('10.1.0.1', '10.1.0.3', q(), false)), ['10.1.0.2']);
  const records = sampleRecords();
  records[0].containers[0].endpoints[0].ip = '10.1.0.20';
  r.use(buildView(records));
  assert.equal(datas(r.handle('10.1.0.1', '10.1.0.3', q(), false)), ['10.1.0.20']);
});

test('a forwarded query is a promise, never cached; no upstream answers: SERVFAIL', async () => {
  const r = new Resolver(buildView([{ spec: 's', networks: [{ name: 'n', address: '10.5.0.1' }], containers: [{ name: 'c', endpoints: [{ network: 'n', ip: '10.5.0.2', names: [] }], links: [], upstreams: ['127.0.0.1:9'] }] }]), {
    timeoutMs: 200,
    maxForwarding: 10,
    overloaded: () => undefined,
    upstreamFailed: () => undefined,
    crashed: () => undefined,
  });
  const p = r.handle('10.5.0.1', '10.5.0.2', dnsPacket.encode(queryFor('example.com')), false);
  assert.instance(p, Promise);
  assert.is(decode(await p).rcode, 'SERVFAIL');
});

test('past the bound of queries waiting on upstreams, the next one gets SERVFAIL at once', async () => {
  const hole = createSocket('udp4');
  await new Promise<void>((r) => hole.bind(0, '127.0.0.1', () => r()));
  const upstream = `127.0.0.1:${hole.address().port}`;
  let overloaded = 0;
  const r = new Resolver(buildView([{ spec: 's', networks: [{ name: 'n', address: '10.5.0.1' }], containers: [{ name: 'c', endpoints: [{ network: 'n', ip: '10.5.0.2', names: [] }], links: [], upstreams: [upstream] }] }]), {
    timeoutMs: 300,
    maxForwarding: 1,
    overloaded: () => overloaded++,
    upstreamFailed: () => undefined,
    crashed: () => undefined,
  });
  try {
    const waiting = r.handle('10.5.0.1', '10.5.0.2', dnsPacket.encode(queryFor('a.example')), false) as Promise<Buffer>;
    const t0 = performance.now();
    assert.is(decode(await r.handle('10.5.0.1', '10.5.0.2', dnsPacket.encode(queryFor('b.example')), false)).rcode, 'SERVFAIL');
    assert.ok(performance.now() - t0 < 100);
    assert.is(overloaded, 1);
    assert.is(decode(await waiting).rcode, 'SERVFAIL', 'the black hole never answers');
    assert.instance(r.handle('10.5.0.1', '10.5.0.2', dnsPacket.encode(queryFor('c.example')), false), Promise, 'room again');
  } finally {
    hole.close();
  }
});

test('garbage after a readable header: FORMERR with its ID; shorter than a header, or a response: nothing', () => {
  const r = resolver();
  const garbage = Buffer.concat([dnsPacket.encode(queryFor('web')).subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]);
  garbage.writeUInt16BE(4242, 0);
  const fe = decode(r.handle('10.1.0.1', '10.1.0.2', garbage, false));
  assert.is(fe.rcode, 'FORMERR');
  assert.is(fe.id, 4242);
  assert.is(r.handle('10.1.0.1', '10.1.0.2', Buffer.from([1, 2, 3]), false), null);
  const response = dnsPacket.encode({ ...queryFor('web'), type: 'response' });
  assert.is(r.handle('10.1.0.1', '10.1.0.2', response, false), null);
  assert.is(formatError(response), null);
});

test('a query at an address the view does not listen on is dropped', () => {
  assert.is(resolver().handle('10.9.9.9', '10.1.0.2', dnsPacket.encode(queryFor('web')), false), null);
});

test('an answer too long for a UDP client is truncated to what fits, with TC; over TCP it goes whole', () => {
  const many = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}`, endpoints: [{ network: 'n', ip: `10.6.0.${i + 2}`, names: ['everyone'] }], links: [], upstreams: [] }));
  const r = new Resolver(buildView([{ spec: 's', networks: [{ name: 'n', address: '10.6.0.1' }], containers: many }]), { timeoutMs: 200, maxForwarding: 10, overloaded: () => undefined, upstreamFailed: () => undefined, crashed: () => undefined });
  const udp = r.handle('10.6.0.1', '10.6.0.2', dnsPacket.encode(queryFor('everyone')), false) as Buffer;
  assert.ok(udp.length <= 512);
  assert.ok(decode(udp).flag_tc);
  assert.ok(decode(udp).answers!.length > 10);
  const tcp = r.handle('10.6.0.1', '10.6.0.2', dnsPacket.encode(queryFor('everyone')), true) as Buffer;
  assert.is(decode(tcp).answers!.length, 40);
  assert.not.ok(decode(tcp).flag_tc);
});

test('the cache stays within its budget: past it the older generation goes, what is asked again stays', () => {
  const cache = new AnswerCache(2000);
  const net = view.networks.get('front')!;
  const q = (name: string) => dnsPacket.encode(queryFor(name));
  const answerText = Buffer.alloc(100);
  cache.set(net, 's', q('hot'), [answerText]);
  for (let i = 0; i < 30; i++) {
    cache.set(net, 's', q(`cold${i}`), [answerText]);
    assert.ok(cache.get(net, 's', q('hot')), `hot after ${i} others`);
  }
  assert.is(cache.get(net, 's', q('cold0')), null);
  assert.is(cache.get(net, 'other', q('hot')), null);
});

test.run();
