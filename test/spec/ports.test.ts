// Every `docker run -p` and `--expose` form, and their errors.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PortMapping } from '../../src/model/spec.js';
import { EPHEMERAL_RANGE, formatPortMapping, parseExpose, parsePortMapping, portFamilies } from '../../src/spec/ports.js';

const eph = [...EPHEMERAL_RANGE];
const m = (hostIp: string | null, hostPort: number | null, containerPort: number, proto = 'tcp', hostRange: number[] | null = null): PortMapping =>
  ({ hostIp, hostPort, hostRange: hostRange ?? (hostPort === null ? eph : null), containerPort, proto }) as PortMapping;

function parse(entry: string | number): PortMapping[] {
  const r = parsePortMapping(entry);
  if (!r.ok) throw new Error(`${entry}: ${r.errors[0].message}`);
  return r.value;
}

function error(entry: string | number): string {
  const r = parsePortMapping(entry);
  assert.not.ok(r.ok, `${entry} should fail`);
  return r.ok ? '' : r.errors[0].message;
}

test('hostPort:containerPort', () => assert.equal(parse('8080:80'), [m(null, 8080, 80)]));
test('ip:hostPort:containerPort', () => assert.equal(parse('192.0.2.1:8080:80'), [m('192.0.2.1', 8080, 80)]));
test('ip::containerPort: ephemeral host port on that address', () => assert.equal(parse('192.0.2.1::80'), [m('192.0.2.1', null, 80)]));
test('containerPort alone: ephemeral host port', () => assert.equal(parse('80'), [m(null, null, 80)]));
test('YAML integer', () => assert.equal(parse(80), [m(null, null, 80)]));
test('0.0.0.0 is every IPv4 address, [::] every IPv6 one, stored as null with the family; no address is both', () => {
  assert.equal(parse('0.0.0.0:8080:80'), [{ ...m(null, 8080, 80), family: 4 }]);
  assert.equal(parse('[::]:8080:80'), [{ ...m(null, 8080, 80), family: 6 }]);
  assert.equal(parse('[2001:DB8:0::1]:8080:80/udp'), [m('2001:db8::1', 8080, 80, 'udp')]);
  assert.equal(parse('[::]::80').map((p) => [p.hostIp, p.family, p.hostRange]), [[null, 6, [32768, 60999]]]);
  assert.equal(parse('8080:80').map(portFamilies), [[4, 6]]);
  assert.equal(parse('0.0.0.0:8080:80').map(portFamilies), [[4]]);
  assert.equal(parse('[::]:8080:80').map(portFamilies), [[6]]);
  assert.equal(parse('192.0.2.1:8080:80').map(portFamilies), [[4]]);
  assert.equal(parse('[2001:db8::1]:8080:80').map(portFamilies), [[6]]);
  assert.is(formatPortMapping(parse('[::]:8080:80')[0]), '[::]:8080->80/tcp');
});

test('equal ranges expand one mapping per port', () => {
  assert.equal(parse('9000-9001:9000-9001'), [m(null, 9000, 9000), m(null, 9001, 9001)]);
  assert.equal(parse('192.0.2.1:9000-9001:9000-9001'), [m('192.0.2.1', 9000, 9000), m('192.0.2.1', 9001, 9001)]);
  assert.equal(parse('8000-8001:9000-9001/udp'), [m(null, 8000, 9000, 'udp'), m(null, 8001, 9001, 'udp')]);
});

test('host range with one container port: pick the host port from the range', () => {
  assert.equal(parse('8000-8010:80'), [m(null, null, 80, 'tcp', [8000, 8010])]);
  assert.equal(parse('192.0.2.1:8000-8010:80/udp'), [m('192.0.2.1', null, 80, 'udp', [8000, 8010])]);
});

test('container range alone: ephemeral host port each', () => {
  assert.equal(parse('80-81'), [m(null, null, 80), m(null, null, 81)]);
  assert.equal(parse('192.0.2.1::80-81'), [m('192.0.2.1', null, 80), m('192.0.2.1', null, 81)]);
});

test('protocol suffixes', () => {
  assert.equal(parse('53:53/udp'), [m(null, 53, 53, 'udp')]);
  assert.equal(parse('8080:80/tcp'), [m(null, 8080, 80, 'tcp')]);
  assert.equal(parse('9:9/sctp'), [m(null, 9, 9, 'sctp')]);
  assert.equal(parse('80/UDP'), [m(null, null, 80, 'udp')]);
});

test('errors', () => {
  assert.match(error('8080:80-81'), /differ in length/);
  assert.match(error('9000-9002:9000-9001'), /differ in length/);
  assert.match(error('0:80'), /outside 1-65535/);
  assert.match(error('80:0'), /outside 1-65535/);
  assert.match(error('65536:80'), /outside 1-65535/);
  assert.match(error(70000), /outside 1-65535/);
  assert.match(error('81-80'), /ends before it starts/);
  assert.match(error('300.1.1.1:80:80'), /not an IPv4 address/);
  assert.match(error('localhost:80:80'), /not an IPv4 address/);
  assert.match(error('[::1]:80:80'), /loopback/);
  assert.match(error('[fd00::zz]:80:80'), /not an IPv6 address/);
  assert.match(error('[::]80:80'), /\[address\]:hostPort:containerPort/);
  assert.match(error('::1:80:80'), /too many/);
  assert.match(error('8080:80/icmp'), /not tcp, udp or sctp/);
  assert.match(error('8080:80/'), /not tcp, udp or sctp/);
  assert.match(error('a:b:c:d'), /too many/);
  assert.match(error('http'), /not a number/);
  assert.match(error('8080:'), /missing container port/);
  assert.match(error(':80'), /empty host port/);
  assert.match(error(''), /missing container port/);
  assert.match(error(-80), /not a number/);
});

test('expose forms', () => {
  const ex = (e: string | number) => {
    const r = parseExpose(e);
    return r.ok ? r.value : r.errors[0].message;
  };
  assert.equal(ex('80'), [{ port: 80, proto: 'tcp' }]);
  assert.equal(ex(80), [{ port: 80, proto: 'tcp' }]);
  assert.equal(ex('53/udp'), [{ port: 53, proto: 'udp' }]);
  assert.equal(ex('8000-8002'), [8000, 8001, 8002].map((port) => ({ port, proto: 'tcp' })));
  assert.match(ex('8080:80') as string, /not a number/);
  assert.match(ex('0') as string, /outside/);
  assert.match(ex('80/xyz') as string, /not tcp/);
});

test('format for messages', () => {
  assert.is(formatPortMapping(parse('192.0.2.1:8080:80/udp')[0]), '192.0.2.1:8080->80/udp');
  assert.is(formatPortMapping(parse('8000-8010:80')[0]), '0.0.0.0:8000-8010->80/tcp');
});

test.run();
