import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkHost, portsInTheWay } from '../../src/plan/check-host.js';
import { linksByName } from '../../src/plan/links-by-name.js';
import type { ListeningSocket, ObservedState } from '../../src/model/observed.js';
import type { DesiredEndpoint } from '../../src/model/desired.js';
import { desired, emptyObserved } from '../helpers/fixtures.js';
import { PlanMemo } from '../../src/plan/memo.js';

const ep = { container: 'web', address: '172.17.0.2/16' } as DesiredEndpoint;

const dnat = (spec: string, port: string, bound: string | null = null) => {
  const [num, proto] = port.split('/');
  return `${bound ? `-d ${bound}/32 ` : ''}-p ${proto} -m ${proto} --dport ${num} -m comment --comment "tnet:${spec}" -j DNAT --to-destination 172.17.0.2:80`;
};

/** The spec `q` publishing these rules' ports. */
const want = (...rules: string[]) =>
  desired({
    endpoints: [ep],
    firewall: { spec: 'q', tables: [{ table: 'nat', chains: { TNET: rules }, keepChains: [], jumps: [] }], sysctls: {}, hairpinPorts: [] },
  });

const socket = (proto: 'tcp' | 'udp', ip: string, port: number, over: Partial<ListeningSocket> = {}): ListeningSocket => ({
  proto, ip, ipv4: ip.includes(':') ? (ip === '::' ? '0.0.0.0' : null) : ip, port, inode: 77, owner: null, ...over,
});

const host = (listening: ListeningSocket[], rules: string[] = []): ObservedState =>
  emptyObserved({
    listening,
    firewall: { backend: 'nf_tables', sysctls: {}, tables: [{ table: 'nat', chains: { TNET: { policy: null, rules } } }] },
  });

const check = (d: ReturnType<typeof want>, o: ObservedState) => checkHost(d, o, linksByName(o));

test('a published port a host socket listens on is refused, naming container, port, socket and process', () => {
  const o = host([socket('tcp', '0.0.0.0', 8070, { owner: { pid: 1234, comm: 'nginx' } })]);
  const errors = check(want(dnat('q', '8070/tcp')), o);
  assert.is(errors.length, 1);
  assert.is(errors[0].code, 'conflict');
  assert.is(errors[0].path, 'containers.web.ports');
  assert.match(errors[0].message, 'web publishes 0.0.0.0:8070/tcp');
  assert.match(errors[0].message, 'pid 1234 (nginx)');
  assert.match(errors[0].message, 'tcp 0.0.0.0:8070');
  assert.match(errors[0].hint!, /another host port/);
});

test('an owner not found is said to be unknown; an IPv6 socket is written in brackets', () => {
  const [e] = check(want(dnat('q', '8070/tcp')), host([socket('tcp', '::', 8070)]));
  assert.match(e.message, 'a process tnet could not name');
  assert.match(e.message, 'tcp [::]:8070');
});

test('the same port and proto only: udp against udp, another port or proto is free', () => {
  const o = host([socket('udp', '0.0.0.0', 5353), socket('tcp', '0.0.0.0', 8071)]);
  assert.equal(check(want(dnat('q', '5353/tcp'), dnat('q', '8070/tcp')), o), []);
  const [e] = check(want(dnat('q', '5353/udp')), o);
  assert.match(e.message, 'is already bound to udp 0.0.0.0:5353');
});

test('addresses: the same one, or either side every address; IPv6-only sockets never', () => {
  const clash = (s: ListeningSocket, bound: string | null) => check(want(dnat('q', '8070/tcp', bound)), host([s])).length > 0;
  assert.ok(clash(socket('tcp', '127.0.0.1', 8070), null), 'loopback socket, mapping on every address (DNATed on loopback too)');
  assert.ok(clash(socket('tcp', '127.0.0.1', 8070), '127.0.0.1'), 'loopback both');
  assert.not.ok(clash(socket('tcp', '127.0.0.1', 8070), '198.18.0.1'), 'another address');
  assert.ok(clash(socket('tcp', '0.0.0.0', 8070), '198.18.0.1'), 'wildcard socket, bound mapping');
  assert.ok(clash(socket('tcp', '::', 8070), '198.18.0.1'), 'dual-stack wildcard');
  assert.ok(clash(socket('tcp', '::ffff:198.18.0.1', 8070, { ipv4: '198.18.0.1' }), '198.18.0.1'), 'IPv4-mapped');
  assert.not.ok(clash(socket('tcp', '::1', 8070), null), 'IPv6 loopback');
  assert.not.ok(clash(socket('tcp', '::', 8070, { ipv4: null }), null), 'IPv6-only wildcard');
});

test('a port this spec already publishes is not refused: the service came after the rule', () => {
  const o = host([socket('tcp', '0.0.0.0', 8070)], [dnat('q', '8070/tcp')]);
  assert.equal(check(want(dnat('q', '8070/tcp')), o), []);
  assert.equal(portsInTheWay(want(dnat('q', '8070/tcp')), o), []);
});

test('but widening it to more addresses, or a port another spec publishes, is new for this one', () => {
  const bound = host([socket('tcp', '0.0.0.0', 8070)], [dnat('q', '8070/tcp', '198.18.0.1')]);
  assert.is(check(want(dnat('q', '8070/tcp')), bound).length, 1);
  const other = host([socket('tcp', '0.0.0.0', 8070)], [dnat('other', '8070/tcp')]);
  assert.equal(check(want(dnat('q', '8070/tcp')), other).map((e) => e.message.includes('already publishes') || e.message.includes('address already in use')), [true, true]);
});

test('portsInTheWay names the sockets whose owners are worth looking up', () => {
  const s = socket('tcp', '0.0.0.0', 8070, { inode: 4242 });
  assert.equal(portsInTheWay(want(dnat('q', '8070/tcp')), host([s, socket('tcp', '0.0.0.0', 22)])).map((c) => c.socket.inode), [4242]);
});

test('a socket is in the way of its own port only, not of one its number begins or ends', () => {
  for (const port of [80, 807, 8071, 18070]) assert.equal(portsInTheWay(want(dnat('q', '8070/tcp')), host([socket('tcp', '0.0.0.0', port)])), [], String(port));
  const many = host([socket('tcp', '0.0.0.0', 80), socket('tcp', '0.0.0.0', 8070, { inode: 9 })]);
  assert.equal(portsInTheWay(want(dnat('q', '8070/tcp'), dnat('q', '80/tcp')), many).map((c) => [c.port.hostPort, c.socket.inode]), [[8070, 9], [80, 77]]);
});

test('with a memo, a sequence of checks finds what checks without one find, chains changed or not', () => {
  const memo = new PlanMemo().host;
  const sockets = [socket('tcp', '0.0.0.0', 8070), socket('tcp', '0.0.0.0', 9090)];
  const other = (port: string) => dnat('r', port);
  const steps: [ReturnType<typeof want>, ObservedState][] = [
    [want(dnat('q', '8070/tcp')), host(sockets)],
    [want(dnat('q', '8070/tcp')), host(sockets, [dnat('q', '8070/tcp')])],
    [want(dnat('q', '9090/tcp')), host(sockets, [dnat('q', '8070/tcp')])],
    [want(dnat('q', '7070/tcp')), host(sockets, [other('7070/tcp')])],
    [want(dnat('q', '7070/tcp')), host(sockets.slice(1), [other('7070/tcp')])],
    [want(dnat('q', '9090/tcp')), host(sockets.slice(1))],
  ];
  for (const [i, [d, o]] of steps.entries()) {
    assert.equal(checkHost(d, o, linksByName(o), [], memo), checkHost(d, o, linksByName(o), []), `step ${i}`);
    assert.equal(portsInTheWay(d, o, memo), portsInTheWay(d, o), `step ${i}`);
  }
  // Not all empty: the memo finds the socket in the way and the port another spec holds.
  const codes = steps.map(([d, o]) => checkHost(d, o, linksByName(o), [], memo).length);
  assert.equal(codes, [1, 0, 1, 1, 1, 1]);
});

test.run();
