// End to end, as root in a throwaway host: tnet's DNS server as its spawner runs it, asked from a container's
// namespace through a bridge, forwarding from the host's namespace, reloaded, killed and started again.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnection } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DnsRecords } from '../../src/model/dns.js';
import { Sandbox } from '../helpers/sandbox.js';
import { control } from '../dns/wire.js';

/** The lean CommonJS entry, as tnet starts it with its flags; the ES module entry starts the third server below. */
const SERVER = resolve('dist/bin/dns-server.cjs');
const SERVER_ESM = resolve('dist/bin/dns-server.js');
const FLAGS = '--max-semi-space-size=1 --expose-gc --optimize-for-size --no-opt';
const DNS_PACKET = resolve('node_modules/dns-packet/index.js');
const DIR = '/run/tnet/dns';

/**
 * c1 (10.89.0.2) is wired to br-dns (10.89.0.1) by a veth; c2 and c3 exist in the records only. c3 is on another
 * network, so c1 must not see it. Upstream: a fake resolver on the sandbox host's loopback, port 5300.
 */
const RECORDS: DnsRecords = {
  spec: 'e2e',
  networks: [
    { name: 'br-dns', address: '10.89.0.1' },
    { name: 'br-other', address: '10.88.0.1' },
  ],
  containers: [
    { name: 'c1', endpoints: [{ network: 'br-dns', ip: '10.89.0.2', names: ['c1', 'c1-host'] }], links: [{ alias: 'db', target: 'c2' }], upstreams: ['127.0.0.1:5300'] },
    { name: 'c2', endpoints: [{ network: 'br-dns', ip: '10.89.0.3', names: ['c2', 'api'] }], links: [], upstreams: ['127.0.0.1:5300'] },
    { name: 'c3', endpoints: [{ network: 'br-other', ip: '10.88.0.3', names: ['c3'] }], links: [], upstreams: [] },
  ],
};

/** Asks `server` from inside namespace c1, as a container's resolver would: one line of JSON per question. */
const ASK = `
const dgram = require('node:dgram'), net = require('node:net');
const dp = require(${JSON.stringify(DNS_PACKET)});
const [server, tcp, ...questions] = process.argv.slice(2);
const out = (r) => r ? { rcode: r.rcode, aa: r.flag_aa, answers: r.answers.map((a) => a.type + ' ' + a.data) } : null;
async function udp(q) {
  const s = dgram.createSocket('udp4');
  return new Promise((done) => {
    const t = setTimeout(() => (s.close(), done(null)), 3000);
    s.on('message', (m) => (clearTimeout(t), s.close(), done(dp.decode(m))));
    s.send(dp.encode(q), 53, server);
  });
}
async function viaTcp(q) {
  return new Promise((done) => {
    const c = net.connect(53, server, () => c.write(dp.streamEncode(q)));
    let buf = Buffer.alloc(0);
    c.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 2 + buf.readUInt16BE(0)) { c.end(); done(dp.streamDecode(buf)); } });
    c.on('error', () => done(null));
  });
}
(async () => {
  for (const [i, text] of questions.entries()) {
    const [name, type] = text.split(' ');
    const q = { type: 'query', id: i + 1, flags: dp.RECURSION_DESIRED, questions: [{ type: type || 'A', name }] };
    console.log(JSON.stringify(out(tcp === 'tcp' ? await viaTcp(q) : await udp(q))));
  }
})();
`;

/** A resolver that answers every A question with 192.0.2.44. */
const UPSTREAM = `
const dgram = require('node:dgram');
const dp = require(${JSON.stringify(DNS_PACKET)});
const s = dgram.createSocket('udp4');
s.on('message', (m, peer) => {
  const q = dp.decode(m);
  s.send(dp.encode({ type: 'response', id: q.id, flags: dp.RECURSION_AVAILABLE | dp.RECURSION_DESIRED, questions: q.questions,
    answers: [{ type: 'A', name: q.questions[0].name, ttl: 5, data: '192.0.2.44' }] }), peer.port, peer.address);
});
s.bind(5300, '127.0.0.1');
`;

interface Ctx {
  box: Sandbox;
  /** Every process a test started in the sandbox: Sandbox.destroy kills only its holder. */
  pids: number[];
}

const t = suite<Ctx>('dns-server');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.pids = [];
  await ctx.box.must(
    [
      'ip link add br-dns type bridge && ip addr add 10.89.0.1/24 dev br-dns && ip link set br-dns up',
      'ip link add br-other type bridge && ip addr add 10.88.0.1/24 dev br-other && ip link set br-other up',
      'ip netns add c1 && ip -n c1 link set lo up',
      'ip link add vdns1 type veth peer name eth0 netns c1 && ip link set vdns1 master br-dns up',
      'ip -n c1 addr add 10.89.0.2/24 dev eth0 && ip -n c1 link set eth0 up',
      `mkdir -p ${DIR}/specs /etc/netns/c1 && echo 'nameserver 10.89.0.1' > /etc/netns/c1/resolv.conf`,
    ].join(' && '),
  );
  writeFileSync(join(ctx.box.dir, 'ask.cjs'), ASK);
  writeFileSync(join(ctx.box.dir, 'upstream.cjs'), UPSTREAM);
  await writeRecords(ctx.box, RECORDS);
});

t.after.each(async (ctx) => {
  for (const pid of ctx.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await ctx.box.destroy();
});

async function writeRecords(box: Sandbox, records: DnsRecords): Promise<void> {
  const r = await box.run(['sh', '-c', `cat > ${DIR}/specs/e2e.json`], JSON.stringify(records));
  assert.is(r.code, 0, r.stderr);
}

/** Starts a process detached in the sandbox, its output to a file: it must not hold the test runner's pipes. */
async function detach(ctx: Ctx, cmd: string, log: string): Promise<number> {
  const pid = Number((await ctx.box.must(`${cmd} > ${log} 2>&1 < /dev/null & echo $!`)).trim());
  ctx.pids.push(pid);
  return pid;
}

/** The sandbox's control socket, reached from this namespace through the holder's root. */
const controlPath = (box: Sandbox) => `/proc/${box.pid}/root${DIR}/control.sock`;

async function startServer(ctx: Ctx): Promise<number> {
  const pid = await detach(ctx, `${process.execPath} ${FLAGS} ${SERVER} --dir ${DIR}`, `${DIR}/server.log`);
  for (let i = 0; i < 100 && (await control(controlPath(ctx.box), 'ping', 500)) !== `ok ${pid}`; i++) await new Promise((r) => setTimeout(r, 50));
  assert.is(await control(controlPath(ctx.box), 'ping'), `ok ${pid}`);
  return pid;
}

/** c1's questions and what it got, one per line. */
async function ask(box: Sandbox, questions: string[], tcp = false): Promise<{ rcode: string; aa: boolean; answers: string[] }[]> {
  const out = await box.must(`ip netns exec c1 ${process.execPath} ${join(box.dir, 'ask.cjs')} 10.89.0.1 ${tcp ? 'tcp' : 'udp'} ${questions.map((q) => `'${q}'`).join(' ')}`);
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

/** Running or stopped, but not a zombie: a killed server's sockets are closed once it is one. */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

t('a container asks through its bridge: names it sees, scoping, PTR, NODATA, TCP, forwarding from the host', async (ctx) => {
  await detach(ctx, `${process.execPath} ${join(ctx.box.dir, 'upstream.cjs')}`, '/dev/null');
  await startServer(ctx);
  assert.is(await control(controlPath(ctx.box), 'reload'), 'ok 2');
  const [peer, alias, self, link, other, aaaa, ptr, forwarded] = await ask(ctx.box, [
    'c2',
    'API',
    'c1-host.',
    'db',
    'c3',
    'c2 AAAA',
    '3.0.89.10.in-addr.arpa PTR',
    'example.com',
  ]);
  assert.equal(peer, { rcode: 'NOERROR', aa: true, answers: ['A 10.89.0.3'] });
  assert.equal(alias.answers, ['A 10.89.0.3']);
  assert.equal(self.answers, ['A 10.89.0.2']);
  assert.equal(link.answers, ['A 10.89.0.3'], 'c1 links c2 as db');
  assert.equal(other, { rcode: 'NXDOMAIN', aa: true, answers: [] }, 'c3 is on a network c1 is not on');
  assert.equal(aaaa, { rcode: 'NOERROR', aa: true, answers: [] });
  assert.equal(ptr.answers, ['PTR c2.br-dns']);
  assert.equal(forwarded, { rcode: 'NOERROR', aa: false, answers: ['A 192.0.2.44'] });
  const [overTcp] = await ask(ctx.box, ['c2.br-dns'], true);
  assert.equal(overTcp.answers, ['A 10.89.0.3']);
  // The C library's resolver, through the resolv.conf `ip netns exec` mounts for c1.
  const getent = await ctx.box.must('ip netns exec c1 getent ahostsv4 api');
  assert.match(getent, /^10\.89\.0\.3\s/m);
});

t('records edited and reloaded; a file that does not parse changes nothing', async (ctx) => {
  await startServer(ctx);
  await writeRecords(ctx.box, { ...RECORDS, containers: [...RECORDS.containers, { name: 'c4', endpoints: [{ network: 'br-dns', ip: '10.89.0.4', names: ['c4'] }], links: [], upstreams: [] }] });
  assert.is(await control(controlPath(ctx.box), 'reload'), 'ok 2');
  assert.equal((await ask(ctx.box, ['c4']))[0].answers, ['A 10.89.0.4']);
  await ctx.box.must(`echo '{"spec":' > ${DIR}/specs/broken.json`);
  assert.match(await control(controlPath(ctx.box), 'reload'), /^error \/run\/tnet\/dns\/specs\/broken\.json: /);
  assert.equal((await ask(ctx.box, ['c4']))[0].answers, ['A 10.89.0.4']);
  const log = await ctx.box.must(`cat ${DIR}/server.log`);
  assert.match(log, /reload 2 in \d+ ms: 1 specs, 2 networks, 4 containers, listening on 10\.89\.0\.1 10\.88\.0\.1/);
  assert.match(log, /reload failed, generation 2 kept: .*broken\.json/);
});

t('killed by -9: a client holding the control socket sees it close; a new server takes over the stale socket', async (ctx) => {
  const first = await startServer(ctx);
  const kept = createConnection(controlPath(ctx.box));
  kept.on('error', () => undefined);
  const closed = new Promise<void>((r) => kept.on('close', () => r()));
  await new Promise<void>((r) => kept.once('connect', () => r()));
  process.kill(first, 'SIGKILL');
  await closed;
  for (let i = 0; i < 100 && alive(first); i++) await new Promise((r) => setTimeout(r, 20));
  const ping = await control(controlPath(ctx.box), 'ping');
  // Refused, or reset when the connect raced the kernel closing the listener.
  assert.match(ping, /^(error (ECONNREFUSED|ENOENT|ECONNRESET)|closed)$/, ping);
  const second = await startServer(ctx);
  assert.is.not(second, first);
  assert.equal((await ask(ctx.box, ['c2']))[0].answers, ['A 10.89.0.3']);
  // A third one finds it answering and leaves at once.
  const third = await detach(ctx, `${process.execPath} ${SERVER_ESM} --dir ${DIR}`, `${DIR}/third.log`);
  for (let i = 0; i < 100 && alive(third); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(alive(third), 'a second server exits');
  assert.match(await ctx.box.must(`cat ${DIR}/third.log`), new RegExp(`already runs \\(pid ${second}\\)`));
  assert.is(await control(controlPath(ctx.box), 'stop'), 'ok');
  for (let i = 0; i < 100 && alive(second); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(alive(second), 'stop ends the process');
  assert.not.ok(existsSync(controlPath(ctx.box)));
});

t.run();
