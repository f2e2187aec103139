// Published IPv6 ports against the host: sockets in the way on `::` or the mapped address, other specs' ports.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHost, portsInTheWay } from '../../src/plan/check-host.js';
import { linksByName } from '../../src/plan/links-by-name.js';
import type { ListeningSocket, ObservedState } from '../../src/model/observed.js';
import type { DesiredEndpoint } from '../../src/model/desired.js';
import { desired, emptyObserved } from '../helpers/fixtures.js';

const ep = { container: 'web', address: '172.17.0.2/16', address6: 'fd00:17::2/64' } as DesiredEndpoint;

const dnat = (spec: string, port: number, family: 4 | 6, bound: string | null = null) =>
  family === 4
    ? `${bound ? `-d ${bound}/32 ` : ''}-p tcp -m tcp --dport ${port} -m comment --comment "tnet:${spec}" -j DNAT --to-destination 172.17.0.2:80`
    : `${bound ? `-d ${bound}/128 ` : ''}-p tcp -m tcp --dport ${port} -m comment --comment "tnet:${spec}" -j DNAT --to-destination [fd00:17::2]:80`;

const nat = (rules: string[]) => [{ table: 'nat' as const, chains: { TNET: rules }, keepChains: [], jumps: [] }];
const want = (v4: string[], v6: string[]) =>
  desired({ endpoints: [ep], firewall: { spec: 'q', tables: nat(v4), tables6: nat(v6), sysctls: {}, hairpinPorts: [] } });

/** An IPv4 socket, or an IPv6 one (ipv4: what it holds of IPv4, as listening.ts decodes it with bindv6only 0). */
const socket = (ip: string, port = 8080, ipv4: string | null = ip.includes(':') ? (ip === '::' ? '0.0.0.0' : null) : ip): ListeningSocket => ({
  proto: 'tcp', ip, ipv4, port, inode: 7, owner: null,
});

const host = (listening: ListeningSocket[], v4: string[] = [], v6: string[] = []): ObservedState =>
  emptyObserved({
    listening,
    firewall: {
      backend: 'nf_tables', sysctls: {},
      tables: [{ table: 'nat', chains: { TNET: { policy: null, rules: v4 } } }],
      tables6: [{ table: 'nat', chains: { TNET: { policy: null, rules: v6 } } }],
    },
  });

const check = (d: ReturnType<typeof want>, o: ObservedState) => checkHost(d, o, linksByName(o));
const clash6 = (s: ListeningSocket, bound: string | null) => check(want([], [dnat('q', 8080, 6, bound)]), host([s])).length > 0;

test('an IPv6 port is refused where a socket holds it on ::, named in brackets with its container', () => {
  const errors = check(want([], [dnat('q', 8080, 6)]), host([socket('::', 8080, null)]));
  assert.is(errors.length, 1);
  assert.match(errors[0].message, 'web publishes [::]:8080/tcp');
  assert.match(errors[0].message, 'tcp [::]:8080');
  assert.is(errors[0].path, 'containers.web.ports');
});

test('IPv6 addresses: `::` always, the mapped address, every address against any but ::1; IPv4 sockets never', () => {
  assert.ok(clash6(socket('::', 8080, null), null), 'IPv6-only wildcard');
  assert.ok(clash6(socket('::'), '2001:db8::1'), 'dual-stack wildcard, bound mapping');
  assert.ok(clash6(socket('2001:db8::1'), '2001:db8::1'), 'the same address');
  assert.not.ok(clash6(socket('2001:db8::2'), '2001:db8::1'), 'another address');
  assert.ok(clash6(socket('2001:db8::2'), null), 'every address takes this one over');
  assert.not.ok(clash6(socket('::1'), null), '::1 is left alone by the IPv6 jumps');
  assert.not.ok(clash6(socket('0.0.0.0'), null), 'an IPv4 wildcard holds no IPv6 port');
  assert.not.ok(clash6(socket('::ffff:198.18.0.1', 8080, '198.18.0.1'), null), 'IPv4-mapped: IPv4 only');
  assert.not.ok(clash6(socket('::', 8081, null), null), 'another port');
});

test('the IPv4 logic stays: a :: socket without bindv6only is in the way of both families', () => {
  const s = socket('::');
  const errors = check(want([dnat('q', 8080, 4)], [dnat('q', 8080, 6)]), host([s]));
  assert.equal(errors.map((e) => /publishes (\S+),/.exec(e.message)?.[1]), ['0.0.0.0:8080/tcp', '[::]:8080/tcp']);
  assert.equal(check(want([dnat('q', 8080, 4)], []), host([socket('::', 8080, null)])), [], 'IPv6-only: not in the IPv4 way');
});

test("a port this spec already publishes in ip6tables is not new; IPv4's rule does not cover IPv6's", () => {
  assert.equal(portsInTheWay(want([], [dnat('q', 8080, 6)]), host([socket('::')], [], [dnat('q', 8080, 6)])), []);
  assert.is(portsInTheWay(want([], [dnat('q', 8080, 6)]), host([socket('::')], [dnat('q', 8080, 4)])).length, 1);
});

test("another spec's IPv6 port clashes within IPv6 only: [::]:8080 and 0.0.0.0:8080 are two ports", () => {
  const theirs6 = host([], [], [dnat('other', 8080, 6)]);
  const [e] = check(want([], [dnat('q', 8080, 6)]), theirs6);
  assert.match(e.message, "web publishes [::]:8080/tcp, which tnet spec 'other' already publishes as [::]:8080/tcp");
  assert.equal(check(want([dnat('q', 8080, 4)], []), theirs6), []);
  assert.equal(check(want([], [dnat('q', 8080, 6)]), host([], [dnat('other', 8080, 4)])), []);
  assert.is(check(want([], [dnat('q', 8080, 6, '2001:db8::1')]), theirs6).length, 1, 'bound against every address');
});

test.run();
