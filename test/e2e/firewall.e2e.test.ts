// End to end, as root in throwaway namespaces: the life of tnet's rules among other tools' rules —
// foreign rules and chains kept through apply, prune and destroy; the admin's TNET-USER chain; no
// iptables-restore call when nothing changed; and drift of every kind repaired with exactly what is missing.

import * as assert from 'uvu/assert';
import { applyOk } from '../helpers/sandbox.js';
import { HOST_IP, ipOf, netSuite, OUTSIDE_IP, restoreShim, rules, tcp } from '../helpers/net.js';

const t = netSuite('firewall: lifecycle and drift');

const FOREIGN = `set -e
iptables -A FORWARD -s 10.99.0.0/16 -j ACCEPT
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -t nat -N OTHER-NAT
iptables -t nat -A OTHER-NAT -p tcp --dport 2222 -j DNAT --to-destination 10.99.0.2:22
iptables -t nat -A PREROUTING -j OTHER-NAT
iptables -t nat -A POSTROUTING -s 10.99.0.0/16 ! -d 10.99.0.0/16 -j MASQUERADE`;

const foreignLines = [
  '-A FORWARD -s 10.99.0.0/16 -j ACCEPT',
  '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
  ':OTHER-NAT - [0:0]',
  '-A OTHER-NAT -p tcp -m tcp --dport 2222 -j DNAT --to-destination 10.99.0.2:22',
  '-A PREROUTING -j OTHER-NAT',
  '-A POSTROUTING -s 10.99.0.0/16 ! -d 10.99.0.0/16 -j MASQUERADE',
];

function assertForeign(dump: string, when: string): void {
  for (const l of foreignLines) assert.ok(dump.split('\n').includes(l.replace(/ \[0:0\]$/, '')), `${when}: "${l}" kept`);
}

const rulesOf = (dump: string, chain: string): string[] => dump.split('\n').filter((l) => l.startsWith(`-A ${chain} `));

t('foreign rules and chains survive apply, prune and destroy; destroy restores the rule set exactly', async ({ box, servers }) => {
  await box.must(FOREIGN);
  const pristine = await rules(box);
  const spec = box.writeSpec('fw.yaml', `version: 1
host:
  icc: false
containers:
  a: { ports: ["8080:80"], expose: [81] }
  b: { links: ["a"] }
`);
  await applyOk(box, spec);
  const applied = await rules(box);
  assertForeign(applied, 'after apply');
  // tnet's jumps open FORWARD, the foreign rule follows them
  const forward = rulesOf(applied, 'FORWARD');
  assert.match(forward[0], /-j TNET-USER$/);
  assert.match(forward[1], /-j TNET-ISOLATION-1$/);
  assert.match(forward[2], /-j TNET-FORWARD$/);
  assert.is(forward[3], '-A FORWARD -s 10.99.0.0/16 -j ACCEPT');
  assert.is(forward.length, 4);
  // the traffic works with them
  await servers.start('a', 'a', { tcp: [80] });
  assert.is(await tcp(box, 'outside', HOST_IP, 8080), `a ${OUTSIDE_IP}`);

  // prune: b goes away, its link rules with it; the foreign rules stay
  box.writeSpec('fw.yaml', `version: 1
host:
  icc: false
containers:
  a: { ports: ["8080:80"], expose: [81] }
`);
  await applyOk(box, spec);
  const pruned = await rules(box);
  assertForeign(pruned, 'after prune');
  assert.not.match(pruned, /172\.17\.0\.3/, "b's rules are gone");
  assert.is(await tcp(box, 'outside', HOST_IP, 8080), `a ${OUTSIDE_IP}`);

  await servers.stopAll(); // a running process would keep a's namespace, and its veth, alive
  const destroy = await box.tnet('destroy', '-f', spec);
  assert.is(destroy.code, 0, destroy.stderr);
  assert.is(await rules(box), pristine, 'destroy leaves the rule set as it was before tnet');
  const again = await box.tnet('destroy', '-f', spec);
  assert.match(again.stdout, /No changes/);
});

t('the admin chain TNET-USER filters container traffic and keeps its rules across applies', async ({ box, servers }) => {
  const spec = box.writeSpec('user.yaml', `version: 1
containers:
  a: { ports: ["8080:80"] }
  b: {}
`);
  await applyOk(box, spec);
  const [a, b] = [await ipOf(box, 'a'), await ipOf(box, 'b')];
  await servers.start('a', 'a', { tcp: [80] });
  assert.is(await tcp(box, 'b', a, 80), `a ${b}`);
  assert.is(await tcp(box, 'outside', HOST_IP, 8080), `a ${OUTSIDE_IP}`);
  // the admin's rules, above tnet's RETURN: b may not reach a, and nobody outside reaches a's port 80
  await box.must(`iptables -I TNET-USER -s ${b}/32 -d ${a}/32 -j DROP; iptables -I TNET-USER -i uplink -d ${a}/32 -p tcp --dport 80 -j DROP`);
  const admin = rulesOf(await rules(box), 'TNET-USER');
  const blocked = () => Promise.all([tcp(box, 'b', a, 80, 1000), tcp(box, 'outside', HOST_IP, 8080, 1000)]);
  assert.equal(await blocked(), ['TIMEOUT', 'TIMEOUT'], 'b -> a and outside -> a dropped by the admin');
  // a re-apply with a change elsewhere keeps them, and they still work
  box.writeSpec('user.yaml', `version: 1
containers:
  a: { ports: ["8080:80"] }
  b: {}
  c: { ports: ["9090:80"] }
`);
  const out = await applyOk(box, spec);
  assert.match(out, /iptables filter: .*TNET-PORTS-docker0/, "the filter table was updated: c's port in docker0's chain");
  assert.equal(rulesOf(await rules(box), 'TNET-USER'), admin);
  assert.equal(await blocked(), ['TIMEOUT', 'TIMEOUT'], 'b -> a and outside -> a dropped by the admin');
  assert.is(await tcp(box, 'c', a, 80), `a ${await ipOf(box, 'c')}`, 'other containers are unaffected');
  assert.match(await applyOk(box, spec), /No changes/);
  // destroy keeps the admin's chain, with its rules, and its jump
  await servers.stopAll();
  const destroy = await box.tnet('destroy', '-f', spec);
  assert.is(destroy.code, 0, destroy.stderr);
  const left = await rules(box);
  assert.equal(rulesOf(left, 'TNET-USER'), admin);
  assert.match(left, /-A FORWARD .*-j TNET-USER/);
  assert.not.match(left, /TNET-FORWARD|TNET-ISOLATION|TNET-POSTROUTING|TNET-DNAT|TNET-PORTS|TNET-HAIRPIN|:TNET /);
});

t('a second apply makes no iptables-restore call; the first makes one for both tables', async ({ box }) => {
  const shim = await restoreShim(box);
  const spec = box.writeSpec('shim.yaml', `version: 1
containers:
  a: { ports: ["8080:80", "5353:53/udp"] }
  b: { links: ["a"] }
`);
  const first = await shim.tnet('apply', '-f', spec);
  assert.is(first.code, 0, first.stderr);
  const calls = shim.log().split('\n').filter((l) => l.startsWith('== '));
  assert.is(calls.length, 1, `one call for both tables:\n${shim.log()}`);
  for (const c of calls) assert.match(c, /restore --noflush/);
  assert.match(shim.log(), /^\*filter$/m);
  assert.match(shim.log(), /^\*nat$/m);
  shim.clear();
  const second = await shim.tnet('apply', '-f', spec);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stdout, /No changes/);
  assert.is(shim.log(), '', 'no iptables-restore call');
  const plan = await shim.tnet('plan', '-f', spec, '--exit-code');
  assert.is(plan.code, 0, plan.stdout);
  assert.is(shim.log(), '');
});

/** The restore inputs the shim saw, table by table, without the table and COMMIT lines. */
function restoreInputs(log: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let table: string | null = null;
  for (const l of log.split('\n')) {
    if (l.startsWith('*')) out[(table = l.slice(1))] = [];
    else if (l === 'COMMIT') table = null;
    else if (table && l) out[table].push(l);
  }
  return out;
}

t('drift: each kind repaired with exactly the missing pieces, traffic back, then no changes', async ({ box, servers }) => {
  // a Docker-like host: FORWARD drops by default, and a foreign rule that drops traffic into docker0
  await box.must('iptables -P FORWARD DROP; iptables -A FORWARD -o docker0 -j DROP');
  const shim = await restoreShim(box);
  const spec = box.writeSpec('drift.yaml', `version: 1
containers:
  a: { ports: ["8080:80"] }
  b: {}
`);
  const first = await shim.tnet('apply', '-f', spec);
  assert.is(first.code, 0, first.stderr);
  const baseline = await rules(box);
  await servers.start('a', 'a', { tcp: [80] });
  await servers.start('outside', 'outside', { tcp: [7000] });
  const works = async (when: string) => {
    assert.is(await tcp(box, 'outside', HOST_IP, 8080), `a ${OUTSIDE_IP}`, `${when}: outside -> a`);
    assert.is(await tcp(box, 'a', OUTSIDE_IP, 7000), `outside ${HOST_IP}`, `${when}: a -> outside`);
  };
  await works('after apply');

  const repair = async (when: string): Promise<Record<string, string[]>> => {
    shim.clear();
    const r = await shim.tnet('apply', '-f', spec);
    assert.is(r.code, 0, `${when}: ${r.stderr}`);
    const inputs = restoreInputs(shim.log());
    assert.is(await rules(box), baseline, `${when}: the rule set is the one tnet wrote`);
    await works(`${when}, repaired`);
    shim.clear();
    const again = await shim.tnet('apply', '-f', spec);
    assert.match(again.stdout, /No changes/, `${when}: then no changes`);
    assert.is(shim.log(), '', `${when}: then no restore call`);
    return inputs;
  };

  // 1. a rule deleted by hand from a tnet chain: the DNAT of 8080, in docker0's chain
  const dnat = rulesOf(baseline, 'TNET-DNAT-docker0').find((l) => l.includes('--dport 8080'))!;
  await box.must(`iptables -t nat ${dnat.replace(/^-A /, '-D ')}`);
  assert.match(await tcp(box, 'outside', HOST_IP, 8080, 1000), /^(ERR ECONNREFUSED|TIMEOUT)$/, 'drift breaks the port');
  let inputs = await repair('DNAT rule deleted');
  assert.equal(Object.keys(inputs), ['nat'], 'only nat is touched');
  // The chain held that one rule: emptied, it is refilled (with more rules, the one is inserted in its place).
  assert.equal(rulesOf(baseline, 'TNET-DNAT-docker0'), [dnat]);
  assert.equal(inputs.nat, [':TNET-DNAT-docker0 - [0:0]', dnat], 'the chain TNET-DNAT-docker0 refilled, nothing else');

  // 2. a tnet chain flushed
  await box.must('iptables -F TNET-FORWARD');
  assert.is(await tcp(box, 'outside', HOST_IP, 8080, 1000), 'TIMEOUT', 'drift breaks the port');
  inputs = await repair('TNET-FORWARD flushed');
  assert.equal(Object.keys(inputs), ['filter']);
  assert.equal(inputs.filter, [':TNET-FORWARD - [0:0]', ...rulesOf(baseline, 'TNET-FORWARD')]);

  // 3. built-in chains flushed, as `iptables -F` or a firewall reload does, and the reload puts back its
  // own rule: only tnet's jumps come back, at the top of FORWARD, in their order
  await box.must('iptables -F FORWARD; iptables -t nat -F POSTROUTING; iptables -A FORWARD -o docker0 -j DROP');
  assert.equal(
    await Promise.all([tcp(box, 'outside', HOST_IP, 8080, 1000), tcp(box, 'a', OUTSIDE_IP, 7000, 1000)]),
    ['TIMEOUT', 'TIMEOUT'],
    'drift breaks the port and the way out',
  );
  inputs = await repair('FORWARD and POSTROUTING flushed');
  const jumps = rulesOf(baseline, 'FORWARD').filter((l) => l.includes('-j TNET'));
  assert.is(jumps.length, 3);
  assert.equal(inputs.filter, jumps.map((l, i) => l.replace(/^-A FORWARD /, `-I FORWARD ${i + 1} `)));
  assert.equal(inputs.nat, rulesOf(baseline, 'POSTROUTING').filter((l) => l.includes('TNET-POSTROUTING')));

  // 4. the TNET-FORWARD jump moved below the foreign DROP: it is moved back, nothing else
  const jump = jumps.find((l) => l.endsWith('-j TNET-FORWARD'))!;
  await box.must(`iptables ${jump.replace(/^-A /, '-D ')}; iptables ${jump}`);
  assert.match(rulesOf(await rules(box), 'FORWARD').at(-1)!, /-j TNET-FORWARD$/);
  assert.is(await tcp(box, 'outside', HOST_IP, 8080, 1000), 'TIMEOUT', 'drift breaks the port');
  inputs = await repair('TNET-FORWARD jump moved down');
  assert.equal(Object.keys(inputs), ['filter']);
  assert.equal(inputs.filter, [jump.replace(/^-A /, '-D '), jump.replace(/^-A FORWARD /, '-I FORWARD 3 ')]);
});

t('two specs share the chains: isolated from each other, and destroying one leaves the other working', async ({ box, servers }) => {
  await box.must(FOREIGN);
  const pristine = await rules(box);
  const one = box.writeSpec('one.yaml', `version: 1
bridges:
  br-one: { subnet: 10.201.0.0/24 }
containers:
  x: { ports: ["8080:80", "80"] }
`);
  const two = box.writeSpec('two.yaml', `version: 1
bridges:
  br-two: { subnet: 10.202.0.0/24, icc: false }
containers:
  y: { ports: ["8081:80", "80"] }
  y2: {}
`);
  await applyOk(box, one);
  await applyOk(box, two);
  const [x, y] = await Promise.all(['x', 'y'].map((n) => ipOf(box, n)));
  const [sx, sy] = await Promise.all([servers.start('x', 'x', { tcp: [80] }), servers.start('y', 'y', { tcp: [80] })]);
  await servers.start('outside', 'outside', { tcp: [7000] });
  const [xy, yx, y2y] = await Promise.all([tcp(box, 'x', y, 80, 1000), tcp(box, 'y', x, 80, 1000), tcp(box, 'y2', y, 80, 1000)]);
  assert.is(xy, 'TIMEOUT', 'x -> y: bridges of different specs are isolated');
  assert.is(yx, 'TIMEOUT', 'y -> x');
  assert.is(y2y, 'TIMEOUT', "y2 -> y: spec two's icc off");
  assert.equal(await Promise.all([tcp(box, 'outside', HOST_IP, 8080), tcp(box, 'outside', HOST_IP, 8081)]), [`x ${OUTSIDE_IP}`, `y ${OUTSIDE_IP}`]);
  // ephemeral ports: the second spec does not take the one the first already uses
  const nat = await box.must('iptables-save -t nat');
  const ephemeral = (ip: string) => Number(new RegExp(`--dport (3\\d{4}) .*--to-destination ${ip}:80`).exec(nat)?.[1]);
  const [ex, ey] = [ephemeral(x), ephemeral(y)];
  assert.ok(ex >= 32768 && ey >= 32768, nat);
  assert.is.not(ex, ey, 'two specs, two ephemeral host ports');
  assert.is(await tcp(box, 'outside', HOST_IP, ex), `x ${OUTSIDE_IP}`);
  assert.is(await tcp(box, 'outside', HOST_IP, ey), `y ${OUTSIDE_IP}`);
  // a third spec publishing a host port another spec holds is refused, and changes nothing
  const before = await rules(box);
  for (const port of ['8080:80', `${HOST_IP}:8081:80`]) {
    const three = box.writeSpec('three.yaml', `version: 1
bridges:
  br-three: { subnet: 10.203.0.0/24 }
containers:
  z: { ports: ["${port}"] }
`);
    const r = await box.tnet('apply', '-f', three);
    assert.is(r.code, 3, `${port} is taken by another spec: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /spec '(one|two)'/);
  }
  assert.is(await rules(box), before);
  assert.is((await box.sh('ip link show br-three')).code, 1, 'nothing created');
  // the same number on another protocol is fine
  const udpThree = box.writeSpec('three.yaml', `version: 1
bridges:
  br-three: { subnet: 10.203.0.0/24 }
containers:
  z: { ports: ["8080:80/udp"] }
`);
  await applyOk(box, udpThree);
  assert.is((await box.tnet('destroy', '-f', udpThree)).code, 0);
  assert.is(await rules(box), before);
  // each spec's apply is stable with the other's rules in the same chains
  assert.match(await applyOk(box, one), /No changes/);
  assert.match(await applyOk(box, two), /No changes/);

  await sx.stop();
  assert.is((await box.tnet('destroy', '-f', one)).code, 0);
  const left = await rules(box);
  assert.not.match(left, /tnet:one/, "spec one's rules are gone");
  assert.match(left, /tnet:two/);
  assert.equal(
    await Promise.all([tcp(box, 'outside', HOST_IP, 8081), tcp(box, 'y', OUTSIDE_IP, 7000), tcp(box, 'y2', y, 80, 1000)]),
    [`y ${OUTSIDE_IP}`, `outside ${HOST_IP}`, 'TIMEOUT'],
    "spec two's port, masquerade and icc off still work",
  );
  assert.match(await applyOk(box, two), /No changes/);

  await sy.stop();
  assert.is((await box.tnet('destroy', '-f', two)).code, 0);
  assert.is(await rules(box), pristine);
});

t('a host on legacy iptables gets its rules in legacy, none in nf_tables', async ({ box, servers }) => {
  await box.must('iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT; iptables-legacy -t nat -A POSTROUTING -s 10.99.0.0/16 -j MASQUERADE');
  const pristine = await box.must('iptables-legacy-save | grep -v "^#" | sed "s/ \\[[0-9]*:[0-9]*\\]$//"');
  const spec = box.writeSpec('legacy.yaml', `version: 1
containers:
  a: { ports: ["8080:80"] }
`);
  await applyOk(box, spec);
  assert.match(await box.must('iptables-legacy-save'), /-A FORWARD .*-j TNET-FORWARD/);
  assert.not.match(await box.must('iptables-nft-save'), /TNET/, 'the backends are never mixed');
  const sa = await servers.start('a', 'a', { tcp: [80] });
  await servers.start('outside', 'outside', { tcp: [7000] });
  assert.is(await tcp(box, 'outside', HOST_IP, 8080), `a ${OUTSIDE_IP}`);
  assert.is(await tcp(box, 'a', OUTSIDE_IP, 7000), `outside ${HOST_IP}`);
  assert.match(await applyOk(box, spec), /No changes/);
  await sa.stop();
  assert.is((await box.tnet('destroy', '-f', spec)).code, 0);
  assert.is(await box.must('iptables-legacy-save | grep -v "^#" | sed "s/ \\[[0-9]*:[0-9]*\\]$//"'), pristine);
});

t.run();
