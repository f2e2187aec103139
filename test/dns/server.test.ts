// The server in this process on 127.0.0.1: control lines, reloads that succeed or change nothing, queries, stop.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { Log } from '../../src/dns/log.js';
import { main, parseArgs } from '../../src/dns/server.js';
import type { DnsRecords } from '../../src/model/dns.js';
import { answersOf, askTcp, askUdp, control, freePort, queryFor, rcodeOf } from './wire.js';

interface Ctx {
  dir: string;
  port: number;
  lines: string[];
  exit: Promise<number>;
  sock: string;
}

/** The querier is 127.0.0.1 itself: loopback queries come from there. */
const records = (extra: DnsRecords['containers'] = [], upstreams: string[] = []): DnsRecords => ({
  spec: 'lo',
  networks: [{ name: 'lo1', address: '127.0.0.1' }],
  containers: [
    { name: 'me', endpoints: [{ network: 'lo1', ip: '127.0.0.1', names: ['me'] }], links: [], upstreams },
    { name: 'peer', endpoints: [{ network: 'lo1', ip: '10.7.0.3', ip6: 'fd00:7::3', names: ['peer', 'Peer-Host'] }], links: [], upstreams: [] },
    ...extra,
  ],
});

function write(ctx: Ctx, name: string, r: DnsRecords | string): void {
  writeFileSync(join(ctx.dir, 'specs', name), typeof r === 'string' ? r : JSON.stringify(r));
}

async function until(f: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const t = suite<Ctx>('server');

t.before.each(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'tnet-dns-'));
  mkdirSync(join(ctx.dir, 'specs'));
  ctx.port = await freePort();
  ctx.lines = [];
  ctx.sock = join(ctx.dir, 'control.sock');
  write(ctx, 'lo.json', records());
  ctx.exit = main(['--dir', ctx.dir, '--port', String(ctx.port)], new Log((l) => ctx.lines.push(l)));
  await until(() => ctx.lines.some((l) => l.includes('reload')));
});

t.after.each(async (ctx) => {
  if (existsSync(ctx.sock)) await control(ctx.sock, 'stop');
  await ctx.exit;
  rmSync(ctx.dir, { recursive: true, force: true });
});

t('ping answers with the pid, which the pid file holds too', async (ctx) => {
  assert.is(await control(ctx.sock, 'ping'), `ok ${process.pid}`);
  assert.is(readFileSync(join(ctx.dir, 'server.pid'), 'utf8').trim(), String(process.pid));
  assert.is(await control(ctx.sock, 'frobnicate'), 'error unknown command: frobnicate');
});

t('UDP and TCP queries, several on one TCP connection', async (ctx) => {
  assert.equal(answersOf(await askUdp('127.0.0.1', ctx.port, queryFor('peer'))), ['peer A 10.7.0.3']);
  const [a, b] = await askTcp('127.0.0.1', ctx.port, [queryFor('PEER-host'), queryFor('me')]);
  assert.equal(answersOf(a), ['PEER-host A 10.7.0.3']);
  assert.equal(answersOf(b), ['me A 127.0.0.1']);
});

t('AAAA and ip6.arpa PTR over UDP and TCP; a name without IPv6 is NODATA', async (ctx) => {
  assert.equal(answersOf(await askUdp('127.0.0.1', ctx.port, queryFor('peer-host', 'AAAA'))), ['peer-host AAAA fd00:7::3']);
  const ptr = `3.0.0.0.${'0.'.repeat(20)}7.0.0.0.0.0.d.f.ip6.arpa`;
  const [byTcp, mine] = await askTcp('127.0.0.1', ctx.port, [queryFor(ptr, 'PTR'), queryFor('me', 'AAAA')]);
  assert.equal(answersOf(byTcp), [`${ptr} PTR peer.lo1`]);
  assert.is(rcodeOf(mine), 'NOERROR');
  assert.equal(answersOf(mine), []);
});

t('reload reads the records again and answers with the next generation', async (ctx) => {
  assert.is(rcodeOf(await askUdp('127.0.0.1', ctx.port, queryFor('late'))), 'SERVFAIL', 'no upstreams yet');
  write(ctx, 'more.json', { spec: 'more', networks: [], containers: [{ name: 'late', endpoints: [{ network: 'lo1', ip: '10.7.0.9', names: ['late'] }], links: [], upstreams: [] }] });
  assert.is(await control(ctx.sock, 'reload'), 'ok 2');
  assert.equal(answersOf(await askUdp('127.0.0.1', ctx.port, queryFor('late'))), ['late A 10.7.0.9']);
  assert.ok(ctx.lines.some((l) => /reload 2 in \d+ ms: 2 specs, 1 networks, 3 containers, listening on 127\.0\.0\.1\n$/.test(l)), ctx.lines.join(''));
});

t('SIGHUP reloads too', async (ctx) => {
  write(ctx, 'more.json', { spec: 'more', networks: [], containers: [{ name: 'late', endpoints: [{ network: 'lo1', ip: '10.7.0.9', names: ['late'] }], links: [], upstreams: [] }] });
  process.emit('SIGHUP');
  await until(() => ctx.lines.some((l) => /reload 2 in /.test(l)));
  assert.equal(answersOf(await askUdp('127.0.0.1', ctx.port, queryFor('late'))), ['late A 10.7.0.9']);
});

t('the control socket is root\'s alone', (ctx) => {
  assert.is(statSync(ctx.sock).mode & 0o777, 0o600);
});

t('a records file that does not parse: an error naming it, and the previous records still answer', async (ctx) => {
  write(ctx, 'bad.json', '{"spec": "bad", ');
  const reply = await control(ctx.sock, 'reload');
  assert.match(reply, new RegExp(`^error ${join(ctx.dir, 'specs', 'bad.json')}: .+`));
  assert.not.match(reply, /\n/);
  write(ctx, 'bad.json', JSON.stringify({ spec: 'bad', networks: [], containers: [{ name: 'x', endpoints: [{ network: 'lo1', ip: 7 }] }] }));
  assert.match(await control(ctx.sock, 'reload'), /bad\.json: containers\[0\]\.endpoints\[0\]\.ip is not a string$/);
  write(ctx, 'bad.json', JSON.stringify({ spec: 'bad', networks: [], containers: [{ name: 'x', endpoints: [{ network: 'lo1', ip: '10.7.0.8', ip6: 6, names: [] }], links: [], upstreams: [] }] }));
  assert.match(await control(ctx.sock, 'reload'), /bad\.json: containers\[0\]\.endpoints\[0\]\.ip6 is not a string$/);
  assert.equal(answersOf(await askUdp('127.0.0.1', ctx.port, queryFor('peer'))), ['peer A 10.7.0.3']);
});

t('an address that cannot be bound: the error names it and its errno; nothing changes', async (ctx) => {
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(ctx.port, '127.0.0.2', () => r()));
  try {
    write(ctx, 'two.json', { spec: 'two', networks: [{ name: 'lo2', address: '127.0.0.2' }], containers: [{ name: 'late', endpoints: [{ network: 'lo1', ip: '10.7.0.9', names: ['late'] }], links: [], upstreams: [] }] });
    assert.is(await control(ctx.sock, 'reload'), `error bind 127.0.0.2:${ctx.port}: EADDRINUSE`);
    write(ctx, 'two.json', { spec: 'two', networks: [{ name: 'lo2', address: '192.0.2.1' }], containers: [] });
    assert.is(await control(ctx.sock, 'reload'), `error bind 192.0.2.1:${ctx.port}: EADDRNOTAVAIL`);
    assert.is(rcodeOf(await askUdp('127.0.0.1', ctx.port, queryFor('late'))), 'SERVFAIL', 'the previous view still answers');
    assert.ok(ctx.lines.some((l) => l.includes('EADDRINUSE')), 'logged');
  } finally {
    holder.close();
  }
  assert.is(await control(ctx.sock, 'reload'), `error bind 192.0.2.1:${ctx.port}: EADDRNOTAVAIL`);
  rmSync(join(ctx.dir, 'specs', 'two.json'));
  assert.is(await control(ctx.sock, 'reload'), 'ok 2');
});

t('addresses gone from the records are no longer listened on', async (ctx) => {
  write(ctx, 'lo.json', { ...records(), networks: [{ name: 'lo1', address: '127.0.0.2' }] });
  assert.is(await control(ctx.sock, 'reload'), 'ok 2');
  assert.is(await askUdp('127.0.0.1', ctx.port, queryFor('peer'), 300), null);
  assert.equal(answersOf(await askUdp('127.0.0.2', ctx.port, queryFor('peer'))), ['peer A 10.7.0.3']);
});

t('another server started on the same folder exits 0 at once', async (ctx) => {
  const lines: string[] = [];
  assert.is(await main(['--dir', ctx.dir, '--port', String(ctx.port)], new Log((l) => lines.push(l))), 0);
  assert.match(lines.join(''), /already runs \(pid \d+\)/);
  assert.is(await control(ctx.sock, 'ping'), `ok ${process.pid}`);
});

t('stop answers ok, closes every socket, removes the socket and pid files; a client kept open sees the close', async (ctx) => {
  const kept = createConnection(ctx.sock);
  const closed = new Promise<void>((r) => kept.on('close', () => r()));
  kept.on('error', () => undefined);
  assert.is(await control(ctx.sock, 'stop'), 'ok');
  assert.is(await ctx.exit, 0);
  await closed;
  assert.not.ok(existsSync(ctx.sock));
  assert.not.ok(existsSync(join(ctx.dir, 'server.pid')));
  assert.is(await askUdp('127.0.0.1', ctx.port, queryFor('peer'), 300), null);
});

t('other names go to the asker\'s upstreams, over the transport the client used', async (ctx) => {
  const upstream = createSocket('udp4');
  const upPort = await freePort();
  upstream.on('message', (m, peer) => {
    const q = dnsPacket.decode(m);
    upstream.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ type: 'A', name: q.questions![0].name, data: '192.0.2.44' }] }), peer.port, peer.address);
  });
  await new Promise<void>((r) => upstream.bind(upPort, '127.0.0.1', () => r()));
  try {
    write(ctx, 'lo.json', records([], [`127.0.0.1:${upPort}`]));
    assert.is(await control(ctx.sock, 'reload'), 'ok 2');
    assert.equal(answersOf(await askUdp('127.0.0.1', ctx.port, queryFor('example.com'))), ['example.com A 192.0.2.44']);
    const [viaTcp] = await askTcp('127.0.0.1', ctx.port, [queryFor('example.org')]);
    assert.is(rcodeOf(viaTcp), 'SERVFAIL', 'asked over TCP, forwarded over TCP, where this upstream does not listen');
  } finally {
    upstream.close();
  }
});

t('arguments', () => {
  assert.equal(parseArgs([]), { dir: '/run/tnet/dns', port: 53 });
  assert.equal(parseArgs(['--dir', '/x', '--port=5353']), { dir: '/x', port: 5353 });
  assert.is(parseArgs(['--port', 'x']), 'not a port: x');
  assert.is(parseArgs(['--dir']), '--dir needs a value');
  assert.is(parseArgs(['--bogus', '1']), 'unknown argument: --bogus');
  assert.is(parseArgs(['--bogus']), 'unknown argument: --bogus');
});

t.run();
