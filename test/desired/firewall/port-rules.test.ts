import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desiredFirewall } from '../../../src/desired/firewall/rules.js';
import { FirewallMemo } from '../../../src/desired/firewall/memo.js';
import type { FirewallInput, FwContainer } from '../../../src/desired/firewall/input.js';

const web = (i: number, hostPort: number): FwContainer => ({
  name: `c${i}`, bridge: 'br0', ip: `10.1.0.${i + 2}`, ip6: `fd00:1::${i + 2}`, hostIf: `veth${i}`,
  ports: [{ hostIp: null, hostPort, containerPort: 80, proto: 'tcp' }, { hostIp: '127.0.0.1', hostPort: hostPort + 1000, containerPort: 80, proto: 'tcp' }],
  expose: [], links: [],
});

const input = (containers: FwContainer[]): FirewallInput => ({
  spec: 's', ipMasq: true,
  bridges: [{ name: 'br0', subnet: '10.1.0.0/16', gateway: '10.1.0.1', icc: false, internal: false, external: false, dns: false, subnet6: 'fd00:1::/64', gateway6: 'fd00:1::1' }],
  containers,
});

test('a memo gives the rules a fresh desire gives, edit after edit', () => {
  const memo = new FirewallMemo();
  let containers = [0, 1, 2].map((i) => web(i, 8000 + i));
  for (const edit of [-1, 1, 1, 0]) {
    if (edit >= 0) containers = containers.map((c, i) => (i === edit ? web(i, c.ports[0].hostPort + 7) : c));
    assert.equal(desiredFirewall(input(containers), memo), desiredFirewall(input(containers)));
  }
});

test('an unchanged container keeps its rule objects; a changed one gets new rules', () => {
  const memo = new FirewallMemo();
  const [a, b] = [web(0, 8000), web(1, 8001)];
  const first = [memo.of(a, 4, false, 'C'), memo.of(b, 4, false, 'C')];
  const b2 = web(1, 9001);
  const again = [memo.of(a, 4, false, 'C'), memo.of(b2, 4, false, 'C')];
  assert.is(again[0], first[0]);
  assert.is.not(again[1], first[1]);
  assert.ok(again[1].dnat[0].rule.includes('--dport 9001'));
  // Another family or spec is another entry, not the first one's rules.
  const v6 = memo.of(a, 6, false, 'C');
  assert.is.not(v6, first[0]);
  // 127.0.0.1:9000 is IPv4's alone.
  assert.is(v6.published.length, 1);
  assert.is(first[0].published.length, 2);
  // Internal bridges publish nothing (Docker), memo or not.
  assert.equal(memo.of(a, 4, true, 'C').dnat, []);
});

test.run();
