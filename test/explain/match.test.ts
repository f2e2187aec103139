// The rule reader and the matcher: every match form tnet's and Docker's rules use, negation, and the forms
// `why` cannot evaluate (unknown, never guessed).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matchRule, type Packet } from '../../src/explain/match.js';
import { parseRule, tokens } from '../../src/explain/rule-parse.js';

const ctx = { isLocal: (ip: string) => ip === '198.18.0.1' || ip.startsWith('127.'), ephemeral: [32768, 60999] as const };
const pkt = (over: Partial<Packet> = {}): Packet => ({
  src: '172.17.0.3', dst: '172.17.0.2', proto: 'tcp', sport: null, dport: 80, in: 'docker0', out: 'docker0', ct: ['NEW'], first: true, ...over,
});
const m = (rule: string, p: Partial<Packet> = {}) => matchRule(parseRule(rule), pkt(p), ctx).result;

test('tokens keep quoted comments whole, unescaped', () => {
  assert.equal(tokens('-m comment --comment "tnet:a b\\"c" -j ACCEPT'), ['-m', 'comment', '--comment', 'tnet:a b"c', '-j', 'ACCEPT']);
});

test('a DNAT rule: matches, target and its options, the comment', () => {
  const r = parseRule('-d 198.19.0.1/32 -p tcp -m tcp --dport 8081 -m comment --comment "tnet:q" -j DNAT --to-destination 172.17.0.2:80');
  assert.equal(r.matches.map((x) => [x.kind, x.neg, x.value]), [['dst', false, '198.19.0.1/32'], ['proto', false, 'tcp'], ['dport', false, '8081']]);
  assert.is(r.target, 'DNAT');
  assert.equal(r.options, { 'to-destination': '172.17.0.2:80' });
  assert.is(r.comment, 'tnet:q');
});

test('addresses with prefixes, and negated', () => {
  assert.is(m('-s 172.17.0.0/16 -j ACCEPT'), 'yes');
  assert.is(m('-s 172.18.0.0/16 -j ACCEPT'), 'no');
  assert.is(m('! -s 172.17.0.0/16 -j ACCEPT'), 'no');
  assert.is(m('-d 172.17.0.2/32 -j ACCEPT'), 'yes');
  assert.is(m('! -d 127.0.0.0/8 -j ACCEPT'), 'yes');
  assert.is(m('-s 172.17.0.0/255.255.0.0 -j ACCEPT'), 'unknown', 'a dotted mask is not read');
});

test('interfaces, negated and with iptables wildcards', () => {
  assert.is(m('-i docker0 -o docker0 -j DROP'), 'yes');
  assert.is(m('-i docker0 ! -o docker0 -j ACCEPT'), 'no');
  assert.is(m('-o dock+ -j ACCEPT'), 'yes');
  assert.is(m('-i br-+ -j ACCEPT'), 'no');
  assert.is(m('-i docker0 -j ACCEPT', { in: '' }), 'no', 'a hook without input interface matches no -i');
});

test('protocols by name and number; ports, ranges and multiport', () => {
  assert.is(m('-p tcp -m tcp --dport 80 -j ACCEPT'), 'yes');
  assert.is(m('-p udp -m udp --dport 80 -j ACCEPT'), 'no');
  assert.is(m('-p 6 -j ACCEPT'), 'yes');
  assert.is(m('-p all -j ACCEPT', { proto: 'icmp', dport: null }), 'yes');
  assert.is(m('! -p tcp -j ACCEPT'), 'no');
  assert.is(m('-p tcp -m tcp --dport 79:81 -j ACCEPT'), 'yes');
  assert.is(m('-p tcp -m tcp ! --dport 80 -j ACCEPT'), 'no');
  assert.is(m('-p tcp -m multiport --dports 22,443,8000:8100 -j ACCEPT', { dport: 8080 }), 'yes');
  assert.is(m('-p tcp -m multiport --dports 22,443 -j ACCEPT'), 'no');
});

test('a client port is ephemeral: outside the range it cannot match, inside it is unknown', () => {
  assert.is(m('-p tcp -m tcp --sport 80 -j ACCEPT'), 'no');
  assert.is(m('-p tcp -m tcp --sport 40000 -j ACCEPT'), 'unknown');
  assert.is(m('-p tcp -m tcp --sport 1:65535 -j ACCEPT'), 'yes');
  assert.is(m('-p tcp -m tcp --sport 80 -j ACCEPT', { sport: 80 }), 'yes', 'a reply comes from the port served');
});

test('conntrack states, the old state match, and negation', () => {
  assert.is(m('-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'), 'no');
  assert.is(m('-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', { ct: ['ESTABLISHED'] }), 'yes');
  assert.is(m('-m conntrack ! --ctstate DNAT -j X'), 'yes');
  assert.is(m('-m conntrack ! --ctstate DNAT -j X', { ct: ['NEW', 'DNAT'] }), 'no');
  assert.is(m('-m state --state NEW -j ACCEPT'), 'yes');
});

test('addrtype LOCAL: the host own addresses and loopback; other types are unknown', () => {
  assert.is(m('-m addrtype --dst-type LOCAL -j TNET', { dst: '198.18.0.1' }), 'yes');
  assert.is(m('! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j TNET', { dst: '127.0.0.1' }), 'no');
  assert.is(m('-m addrtype --dst-type LOCAL -j TNET'), 'no');
  assert.is(m('-m addrtype ! --dst-type LOCAL -j X'), 'yes');
  assert.is(m('-m addrtype --dst-type BROADCAST -j X'), 'unknown');
});

test('icmp types and --syn', () => {
  const echo = { proto: 'icmp' as const, dport: null };
  assert.is(m('-p icmp -m icmp --icmp-type 8 -j ACCEPT', echo), 'yes');
  assert.is(m('-p icmp -m icmp --icmp-type echo-reply -j ACCEPT', echo), 'no');
  assert.is(m('-p icmp -m icmp --icmp-type echo-reply -j ACCEPT', { ...echo, first: false }), 'yes');
  assert.is(m('-p tcp -m tcp --syn -j ACCEPT'), 'yes');
  assert.is(m('-p tcp -m tcp --syn -j ACCEPT', { first: false }), 'no');
});

test('a form it cannot read is unknown, unless another match already fails', () => {
  const r = matchRule(parseRule('-m set --match-set blocked src -j DROP'), pkt(), ctx);
  assert.is(r.result, 'unknown');
  assert.is(r.reason, '-m set --match-set blocked src');
  assert.is(m('-i eth9 -m set --match-set blocked src -j DROP'), 'no');
  assert.is(m('-m physdev --physdev-is-bridged -j ACCEPT'), 'unknown');
  assert.equal(matchRule(parseRule('! -f -j DROP'), pkt(), ctx), { result: 'unknown', reason: '! -f' }, 'a base option it does not read');
  assert.is(m('-m comment --comment "tnet:q" -j ACCEPT'), 'yes', 'a comment is no match');
});

test.run();
