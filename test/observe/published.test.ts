// DNAT rules read back as published ports: iptables' `ip:port` and ip6tables' `[ip6]:port`, bound or not.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allPublished, clashes, parseDnat } from '../../src/observe/published.js';

const C = '-m comment --comment "tnet:q"';

test('IPv4 DNAT rules, on every address or bound', () => {
  assert.equal(parseDnat(`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination 172.17.0.2:80`), {
    owner: 'tnet:q', family: 4, hostIp: null, proto: 'tcp', hostPort: 8080, toIp: '172.17.0.2', toPort: 80,
  });
  assert.equal(parseDnat(`-d 192.0.2.1/32 -p udp -m udp --dport 53 ${C} -j DNAT --to-destination 172.17.0.2:5353`)?.hostIp, '192.0.2.1');
});

test('IPv6 DNAT rules: the bracketed destination, a /128 bound address', () => {
  assert.equal(parseDnat(`-p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination [fd00:17::2]:80`), {
    owner: 'tnet:q', family: 6, hostIp: null, proto: 'tcp', hostPort: 8080, toIp: 'fd00:17::2', toPort: 80,
  });
  assert.equal(parseDnat(`-d 2001:db8::1/128 -p sctp -m sctp --dport 9 ${C} -j DNAT --to-destination [fd00::a]:19`), {
    owner: 'tnet:q', family: 6, hostIp: '2001:db8::1', proto: 'sctp', hostPort: 9, toIp: 'fd00::a', toPort: 19,
  });
  assert.is(parseDnat(`-s fd00::/64 ! -o br0 ${C} -j MASQUERADE`), null);
});

test('both families read from the nat tables, IPv6 only when read', () => {
  const nat = (rule: string) => [{ table: 'nat' as const, chains: { TNET: { policy: null, rules: [rule] } } }];
  const fw = {
    backend: 'nf_tables', sysctls: {},
    tables: nat(`-p tcp -m tcp --dport 1 ${C} -j DNAT --to-destination 10.0.0.2:1`),
    tables6: nat(`-p tcp -m tcp --dport 2 ${C} -j DNAT --to-destination [fd00::2]:2`),
  };
  assert.equal(allPublished(fw).map((p) => [p.family, p.hostPort]), [[4, 1], [6, 2]]);
  assert.equal(allPublished({ ...fw, tables6: null }).map((p) => p.hostPort), [1]);
  assert.equal(allPublished(null), []);
});

test('clashes: within one family only', () => {
  const at = (family: 4 | 6, hostIp: string | null) => ({ family, hostIp, proto: 'tcp', hostPort: 80 });
  assert.ok(clashes(at(6, null), at(6, '2001:db8::1')));
  assert.not.ok(clashes(at(6, null), at(4, null)));
  assert.not.ok(clashes(at(6, '2001:db8::1'), at(6, '2001:db8::2')));
});

test.run();
