// End to end, as root in throwaway namespaces: icc off and legacy links, bridges isolated from each other,
// internal bridges, and host.iptables false — each checked with real packets and iptables-save.

import * as assert from 'uvu/assert';
import { applyOk } from '../helpers/sandbox.js';
import { HOST_IP, ipOf, netSuite, OUTSIDE_IP, rules, tcp, expectAll } from '../helpers/net.js';

const t = netSuite('firewall: icc, links, isolation');


const BLOCKED = 'TIMEOUT';

t('icc off blocks containers on the bridge; a link opens exactly the linked ports; published ports stay reachable', async ({ box, servers }) => {
  // a: exposes 80 (81 is served but not exposed); d: neither exposed nor published, so a link opens all of it
  const spec = box.writeSpec('icc.yaml', `version: 1
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
`);
  await applyOk(box, spec);
  const [a, b, c, d, p] = await Promise.all(['a', 'b', 'c', 'd', 'p'].map((n) => ipOf(box, n)));
  await Promise.all([
    servers.start('a', 'a', { tcp: [80, 81] }),
    servers.start('d', 'd', { tcp: [81] }),
    servers.start('p', 'p', { tcp: [80] }),
    servers.start('c', 'c', { tcp: [80] }),
  ]);
  await expectAll([
    ['c -> a:80 (no link)', tcp(box, 'c', a, 80, 1000), BLOCKED],
    ['c ping a', box.ping('c', a), false],
    ['a -> c:80 (the link is one way)', tcp(box, 'a', c, 80, 1000), BLOCKED],
    ['b -> a:80 (linked, exposed)', tcp(box, 'b', a, 80), `a ${b}`],
    ['b -> a:81 (linked, not exposed)', tcp(box, 'b', a, 81, 1000), BLOCKED],
    ['b ping a (linked, only the exposed port)', box.ping('b', a), false],
    ['b -> d:81 (linked, d declares no port: all of it)', tcp(box, 'b', d, 81), `d ${b}`],
    ['b ping d', box.ping('b', d), true],
    ['d -> b ping (the link is one way)', box.ping('d', b), false],
    ['c -> p:80 directly', tcp(box, 'c', p, 80, 1000), BLOCKED],
    ['c -> host:8080 (published, hairpin with icc off)', tcp(box, 'c', HOST_IP, 8080), `p ${c}`],
    ['c -> gateway:8080', tcp(box, 'c', '172.17.0.1', 8080), `p ${c}`],
    ['p -> host:8080 (itself)', tcp(box, 'p', HOST_IP, 8080), 'p 172.17.0.1'],
    ['outside -> host:8080', tcp(box, 'outside', HOST_IP, 8080), `p ${OUTSIDE_IP}`],
    ['host -> a:81 (the host is not another container)', tcp(box, null, a, 81), `a 172.17.0.1`],
    ['c ping gateway', box.ping('c', '172.17.0.1'), true],
  ]);

  // icc back on (per bridge): everything opens again
  box.writeSpec('icc.yaml', `version: 1
host:
  icc: false
bridges:
  docker0:
    icc: true
containers:
  a: { expose: [80] }
  b: { links: ["a:alias", "d"] }
  c: {}
  d: {}
  p: { ports: ["8080:80"] }
`);
  await applyOk(box, spec);
  await expectAll([
    ['c -> a:81', tcp(box, 'c', a, 81), `a ${c}`],
    ['c ping a', box.ping('c', a), true],
    ['c -> p:80 directly', tcp(box, 'c', p, 80), `p ${c}`],
  ]);
});

t('two bridges are isolated; an internal bridge has no way out and no masquerade', async ({ box, servers }) => {
  await servers.start('outside', 'outside', { tcp: [7000] });
  const spec = box.writeSpec('bridges.yaml', `version: 1
bridges:
  br-one: { subnet: 10.201.0.0/24 }
  br-two: { subnet: 10.202.0.0/24 }
  br-int: { subnet: 10.203.0.0/24, internal: true }
containers:
  x: { network: br-one }
  x2: { network: br-one }
  y: { network: br-two, ports: ["8080:80"] }
  z: { network: br-int }
  z2: { network: br-int }
`);
  await applyOk(box, spec);
  const [x, x2, y, z, z2] = await Promise.all(['x', 'x2', 'y', 'z', 'z2'].map((n) => ipOf(box, n)));
  await Promise.all([servers.start('y', 'y', { tcp: [80] }), servers.start('z2', 'z2', { tcp: [80] }), servers.start('x', 'x', { tcp: [80] })]);
  // z has no default route (Docker gives none on an internal network); add one to prove the firewall stops it
  await box.must('ip -n z route add default via 10.203.0.1');
  await expectAll([
    ['x ping x2 (same bridge)', box.ping('x', x2), true],
    ['x ping y (other bridge)', box.ping('x', y), false],
    ['y ping x', box.ping('y', x), false],
    ['x -> y:80 directly', tcp(box, 'x', y, 80, 1000), BLOCKED],
    ['y -> x:80 directly', tcp(box, 'y', x, 80, 1000), BLOCKED],
    // y's published port is open to every bridge; leaving br-one for br-two, x is masqueraded as Docker does
    ['x -> host:8080 (y published: open to every bridge)', tcp(box, 'x', HOST_IP, 8080), 'y 10.202.0.1'],
    ['x -> outside', tcp(box, 'x', OUTSIDE_IP, 7000), `outside ${HOST_IP}`],
    ['y -> outside', tcp(box, 'y', OUTSIDE_IP, 7000), `outside ${HOST_IP}`],
    ['z -> outside (internal)', tcp(box, 'z', OUTSIDE_IP, 7000, 1000), /^(TIMEOUT|ERR E\w+)$/],
    ['z ping outside', box.ping('z', OUTSIDE_IP), false],
    ['z -> z2:80 (same internal bridge)', tcp(box, 'z', z2, 80), `z2 ${z}`],
    ['x -> z2:80 (into the internal bridge)', tcp(box, 'x', z2, 80, 1000), BLOCKED],
    ['z ping x', box.ping('z', x), false],
    ['host -> z2:80', tcp(box, null, z2, 80), 'z2 10.203.0.1'],
  ]);
  const nat = await box.must('iptables-save -t nat');
  assert.match(nat, /-A TNET-POSTROUTING -s 10\.201\.0\.0\/24 ! -o br-one .*-j MASQUERADE/);
  assert.match(nat, /-A TNET-POSTROUTING -s 10\.202\.0\.0\/24 ! -o br-two .*-j MASQUERADE/);
  assert.not.match(nat, /10\.203\.0\.0/, 'no nat rule for the internal subnet');
});

const NO_IPTABLES = `version: 1
host:
  iptables: false
containers:
  a: { ports: ["8080:80"] }
  b: {}
`;

t('host.iptables false writes no rule at all', async ({ box, servers }) => {
  await box.must('iptables -A FORWARD -s 10.99.0.0/16 -j ACCEPT; iptables -t nat -N OTHER; iptables -t nat -A PREROUTING -j OTHER');
  const before = await rules(box);
  const spec = box.writeSpec('noipt.yaml', NO_IPTABLES);
  const out = await applyOk(box, spec);
  assert.not.match(out, /iptables/);
  assert.is(await rules(box), before, 'the rule set is untouched');
  assert.not.match(await box.must('iptables-save'), /TNET|tnet/);
  // containers are wired, but nothing is published
  await servers.start('a', 'a', { tcp: [80] });
  assert.is(await tcp(box, 'b', await ipOf(box, 'a'), 80), `a ${await ipOf(box, 'b')}`);
  assert.match(await tcp(box, 'outside', HOST_IP, 8080, 1000), /^(ERR ECONNREFUSED|TIMEOUT)$/);
  assert.match(await applyOk(box, spec), /No changes/);

  // turning iptables off after an apply that wrote rules removes exactly them
  const on = box.writeSpec('noipt.yaml', `version: 1
containers:
  a: { ports: ["8080:80"] }
  b: {}
`);
  await applyOk(box, on);
  assert.match(await box.must('iptables-save'), /TNET/);
  assert.is(await tcp(box, 'outside', HOST_IP, 8080), `a ${OUTSIDE_IP}`);
  box.writeSpec('noipt.yaml', NO_IPTABLES);
  await applyOk(box, on);
  assert.is(await rules(box), before, 'back to the rule set before tnet');
});

t.run();
