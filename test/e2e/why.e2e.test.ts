// End to end, as root in throwaway namespaces: `tnet why` against real packets on every pair of a matrix
// (icc off and on, links, isolation between bridges, internal bridges, published ports from outside, from
// the host and from containers, a port bound to one address), and a rule deleted by hand.

import * as assert from 'uvu/assert';
import { applyOk, type Sandbox } from '../helpers/sandbox.js';
import { HOST_IP, ipOf, netSuite, OTHER_HOST_IP, OUTSIDE_IP, request } from '../helpers/net.js';

const t = netSuite('tnet why');

/** One question: `tnet why FROM TO`, and where a real packet is sent from (null: the host) to check it. */
interface Pair {
  from: string;
  to: string;
  ns: string | null;
  ip: string;
  port: number | null;
  proto: 'tcp' | 'udp' | 'icmp';
  want: 'allowed' | 'blocked';
}

/** `why` for a pair: the verdict, what its own probe saw (null: none sent), its exit code, its JSON. */
async function why(box: Sandbox, spec: string | null, p: Pair) {
  const r = await box.tnet('why', p.from, p.to, ...(spec ? ['-f', spec] : []), '--probe', '-o', 'json');
  assert.ok(r.stdout.trim().startsWith('{'), `tnet why ${p.from} ${p.to} (${r.code}): ${r.stderr}${r.stdout}`);
  return { code: r.code, out: JSON.parse(r.stdout) };
}

/** A real packet from the pair's source: an answer or a reset got there; silence or unreachable did not. */
async function reached(box: Sandbox, p: Pair): Promise<boolean> {
  if (p.proto === 'icmp') return box.ping(p.ns, p.ip);
  const got = await request(box, p.ns, p.proto, p.ip, p.port!, 1000);
  return got === 'ERR ECONNREFUSED' || !/^(TIMEOUT|ERR |EXIT )/.test(got);
}

/** Every pair, a few at a time (the blocked ones wait for their timeouts): all mismatches reported at once. */
async function expectAll(box: Sandbox, spec: string | null, pairs: Pair[]): Promise<void> {
  const failures: string[] = [];
  for (let i = 0; i < pairs.length; i += 4) {
    await Promise.all(pairs.slice(i, i + 4).map(async (p) => {
      const [w, real] = [await why(box, spec, p), await reached(box, p)];
      const what = `why ${p.from} ${p.to}`;
      if (w.out.verdict !== p.want) failures.push(`${what}: verdict ${w.out.verdict}, want ${p.want}`);
      if (real !== (w.out.verdict === 'allowed')) failures.push(`${what}: verdict ${w.out.verdict}, but a real packet ${real ? 'got there' : 'did not'}`);
      if (w.code !== (p.want === 'allowed' ? 0 : 1)) failures.push(`${what}: exit ${w.code}`);
      if (p.from !== OUTSIDE_IP && w.out.probe?.agrees !== true) failures.push(`${what}: --probe ${JSON.stringify(w.out.probe)}`);
    }));
  }
  assert.equal(failures, [], failures.join('\n'));
}

/** `from → to`: `to` as `why` takes it, `[ip, port]` where the real packet goes; a port → tcp unless `/udp`. */
function pair(from: string, to: string, target: string, want: Pair['want']): Pair {
  const [addr, port, proto] = target.split(/[:/]/);
  const ns = from === 'host' ? null : from === OUTSIDE_IP ? 'outside' : from;
  return { from, to, ns, ip: addr, port: port ? Number(port) : null, proto: port ? ((proto as Pair['proto']) ?? 'tcp') : 'icmp', want };
}

const ICC = `version: 1
host:
  icc: false
containers:
  a:
    expose: [80]
  b:
    links: ["a:alias", "d"]
  c: {}
  d: {}
  p:
    ports: ["8080:80"]
`;

t('icc off and on, links, published ports from outside, the host and containers: why agrees with real packets', async ({ box, servers }) => {
  const spec = box.writeSpec('icc.yaml', ICC);
  await applyOk(box, spec);
  const [a, c, d, p] = await Promise.all(['a', 'c', 'd', 'p'].map((n) => ipOf(box, n)));
  await Promise.all([
    servers.start('a', 'a', { tcp: [80, 81], udp: [5353] }),
    servers.start('d', 'd', { tcp: [81] }),
    servers.start('p', 'p', { tcp: [80] }),
    servers.start('c', 'c', { tcp: [80] }),
  ]);
  await expectAll(box, spec, [
    pair('c', 'a:80', `${a}:80`, 'blocked'),
    pair('c', 'a', a, 'blocked'),
    pair('c', 'a:5353/udp', `${a}:5353/udp`, 'blocked'),
    pair('a', 'c:80', `${c}:80`, 'blocked'),
    pair('b', 'a:80', `${a}:80`, 'allowed'),
    pair('b', 'a:81', `${a}:81`, 'blocked'),
    pair('b', 'a', a, 'blocked'),
    pair('b', 'd:81', `${d}:81`, 'allowed'),
    pair('b', 'd', d, 'allowed'),
    pair('d', 'b', await ipOf(box, 'b'), 'blocked'),
    pair('c', 'p:80', `${p}:80`, 'blocked'),
    pair('c', `${HOST_IP}:8080`, `${HOST_IP}:8080`, 'allowed'),
    pair('c', 'host:8080', '172.17.0.1:8080', 'allowed'),
    pair('p', `${HOST_IP}:8080`, `${HOST_IP}:8080`, 'allowed'),
    pair(OUTSIDE_IP, 'host:8080', `${HOST_IP}:8080`, 'allowed'),
    pair('host', 'a:81', `${a}:81`, 'allowed'),
    pair('host', '127.0.0.1:8080', '127.0.0.1:8080', 'allowed'),
    pair('c', 'host', '172.17.0.1', 'allowed'),
  ]);

  // the text names the rule that decides, its chain and the field behind it, and what to change
  const text = await box.tnet('why', 'c', 'a:80', '-f', spec);
  assert.is(text.code, 1);
  assert.match(text.stdout, /BLOCKED/);
  assert.match(text.stdout, /-A TNET-FORWARD -i docker0 -o docker0 -m comment --comment "tnet:icc" -j DROP/);
  assert.match(text.stdout, /icc of docker0 \(bridges\.docker0\.icc\)/);
  assert.match(text.stdout, /set bridges\.docker0\.icc: true/);
  // without the spec: names from tnet's marks, causes from the rules' shapes
  const marks = await why(box, null, pair('b', 'a:80', `${a}:80`, 'allowed'));
  assert.is(marks.out.verdict, 'allowed');
  assert.is(marks.out.deciding.find((s: { table: string }) => s.table === 'filter').cause.field, 'containers.b.links');

  box.writeSpec('icc.yaml', ICC.replace('icc: false', 'icc: true'));
  await applyOk(box, spec);
  await expectAll(box, spec, [
    pair('c', 'a:81', `${a}:81`, 'allowed'),
    pair('c', 'a', a, 'allowed'),
    pair('c', 'a:5353/udp', `${a}:5353/udp`, 'allowed'),
    pair('c', 'p:80', `${p}:80`, 'allowed'),
  ]);
});

const BRIDGES = `version: 1
bridges:
  br-one: { subnet: 10.201.0.0/24 }
  br-two: { subnet: 10.202.0.0/24 }
  br-int: { subnet: 10.203.0.0/24, internal: true }
containers:
  x: { network: br-one }
  x2: { network: br-one }
  y: { network: br-two, ports: ["8080:80", "${OTHER_HOST_IP}:8081:81"] }
  z: { network: br-int }
  z2: { network: br-int }
`;

t('isolation between bridges, an internal bridge, a port bound to one address: why agrees with real packets', async ({ box, servers }) => {
  const spec = box.writeSpec('bridges.yaml', BRIDGES);
  await applyOk(box, spec);
  const [x, x2, y, z2] = await Promise.all(['x', 'x2', 'y', 'z2'].map((n) => ipOf(box, n)));
  await Promise.all([
    servers.start('outside', 'outside', { tcp: [7000] }),
    servers.start('y', 'y', { tcp: [80, 81] }),
    servers.start('z2', 'z2', { tcp: [80] }),
    servers.start('x', 'x', { tcp: [80] }),
  ]);
  await expectAll(box, spec, [
    pair('x', 'x2', x2, 'allowed'),
    pair('x', 'y', y, 'blocked'),
    pair('y', 'x:80', `${x}:80`, 'blocked'),
    pair('x', 'y:80', `${y}:80`, 'blocked'),
    pair('x', `${HOST_IP}:8080`, `${HOST_IP}:8080`, 'allowed'),
    pair('x', `${OUTSIDE_IP}:7000`, `${OUTSIDE_IP}:7000`, 'allowed'),
    pair('z', `${OUTSIDE_IP}:7000`, `${OUTSIDE_IP}:7000`, 'blocked'),
    pair('z', 'z2:80', `${z2}:80`, 'allowed'),
    pair('x', 'z2:80', `${z2}:80`, 'blocked'),
    pair('z', 'x', x, 'blocked'),
    pair('host', 'z2:80', `${z2}:80`, 'allowed'),
    // bound to 198.19.0.1: there it reaches y; on the host's other address it reaches the host itself
    pair(OUTSIDE_IP, `${OTHER_HOST_IP}:8081`, `${OTHER_HOST_IP}:8081`, 'allowed'),
    pair(OUTSIDE_IP, `${HOST_IP}:8081`, `${HOST_IP}:8081`, 'allowed'),
    pair('host', `${OTHER_HOST_IP}:8081`, `${OTHER_HOST_IP}:8081`, 'allowed'),
    pair('x', `${OTHER_HOST_IP}:8081`, `${OTHER_HOST_IP}:8081`, 'allowed'),
  ]);
  const bound = await why(box, spec, pair(OUTSIDE_IP, `${OTHER_HOST_IP}:8081`, '', 'allowed'));
  assert.equal([bound.out.arrival.name, bound.out.arrival.port], ['y', 81]);
  const elsewhere = await why(box, spec, pair(OUTSIDE_IP, `${HOST_IP}:8081`, '', 'allowed'));
  assert.is(elsewhere.out.arrival.kind, 'host');
  assert.ok(elsewhere.out.advice.some((l: string) => l.startsWith(`y publishes 8081/tcp on ${OTHER_HOST_IP} only`)), elsewhere.out.advice.join('\n'));

  // z has no default route (Docker gives none on an internal network); with one added by hand the internal DROP decides
  await box.must('ip -n z route add default via 10.203.0.1');
  const internal = pair('z', `${OUTSIDE_IP}:7000`, `${OUTSIDE_IP}:7000`, 'blocked');
  await expectAll(box, spec, [internal]);
  const w = await why(box, spec, internal);
  assert.is(w.out.deciding.at(-1).cause.field, 'bridges.br-int.internal');
});

t('a tnet rule deleted by hand: why follows the host, names the missing rule, and says what apply restores', async ({ box, servers }) => {
  const spec = box.writeSpec('icc.yaml', ICC);
  await applyOk(box, spec);
  const a = await ipOf(box, 'a');
  await servers.start('a', 'a', { tcp: [80] });
  const rule = '-i docker0 -o docker0 -m comment --comment "tnet:icc" -j DROP';
  await box.must(`iptables -D TNET-FORWARD ${rule}`);
  await expectAll(box, spec, [pair('c', 'a:80', `${a}:80`, 'allowed')]);
  const w = await why(box, spec, pair('c', 'a:80', '', 'allowed'));
  assert.is(w.out.drift.afterApply, 'blocked');
  assert.equal(w.out.drift.missing.map((s: { chain: string; rule: string }) => `-A ${s.chain} ${s.rule}`), [`-A TNET-FORWARD ${rule}`]);
  const text = await box.tnet('why', 'c', 'a:80', '-f', spec);
  assert.match(text.stdout, /drift: the host differs from the spec on this way; once applied: BLOCKED/);
  assert.match(text.stdout, /missing: -A TNET-FORWARD -i docker0 -o docker0 .*-j DROP/);
  await applyOk(box, spec);
  await expectAll(box, spec, [pair('c', 'a:80', `${a}:80`, 'blocked')]);
});

t.run();
