import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseProcNet } from '../../src/observe/listening.js';

const LE = { littleEndian: true, v6only: false };

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F86 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
   3: 0112C6C6:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0000000000000000 100 0 0 10 0
   4: 0100007F:9C40 0100007F:1F90 06 00000000:00000000 03:00000F2C 00000000     0        0 0 3 0000000000000000
`;

test('tcp: LISTEN sockets only, little-endian IPv4 addresses, hex ports', () => {
  assert.equal(parseProcNet(TCP, 'tcp', false, LE), [
    { proto: 'tcp', ip: '0.0.0.0', ipv4: '0.0.0.0', port: 8070, inode: 1001, owner: null },
    { proto: 'tcp', ip: '127.0.0.1', ipv4: '127.0.0.1', port: 8080, inode: 1002, owner: null },
    { proto: 'tcp', ip: '198.198.18.1', ipv4: '198.198.18.1', port: 80, inode: 1004, owner: null },
  ]);
});

test('the same words printed by a big-endian host', () => {
  const line = '  sl  local_address rem_address   st\n   0: 7F000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7 1\n';
  assert.equal(parseProcNet(line, 'tcp', false, { littleEndian: false, v6only: false })[0].ip, '127.0.0.1');
});

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2001 2 0000000000000000 0
  101: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2002 2 0000000000000000 0
  102: 0200000A:A1B2 0100000A:0035 01 00000000:00000000 00:00000000 00000000     0        0 2003 2 0000000000000000 0
`;

test('udp: bound sockets without a peer; connected ones are clients', () => {
  assert.equal(parseProcNet(UDP, 'udp', false, LE).map((s) => `${s.ip}:${s.port}#${s.inode}`), ['0.0.0.0:5060#2001', '127.0.0.1:53#2002']);
});

const V6 = (local: string, inode: number, st = '0A', remote = '00000000000000000000000000000000:0000') =>
  `   0: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;

const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  V6('00000000000000000000000000000000:1F86', 3001),
  V6('00000000000000000000000001000000:1F86', 3002),
  V6('0000000000000000FFFF00000100007F:1F87', 3003),
  V6('B80D0120000000000000000001000000:0050', 3004),
  V6('000080FE00000000FF0200000100000A:0050', 3005),
  V6('00000000000000000000000000000000:0016', 3006, '01', '0000000000000000FFFF00000200000A:D431'),
].join('\n');

test('tcp6: IPv6 as four little-endian words, compressed; `::` holds the IPv4 wildcard too, mapped addresses their IPv4 one', () => {
  assert.equal(parseProcNet(TCP6, 'tcp', true, LE).map((s) => [s.ip, s.ipv4, s.port]), [
    ['::', '0.0.0.0', 8070],
    ['::1', null, 8070],
    ['::ffff:127.0.0.1', '127.0.0.1', 8071],
    ['2001:db8::1', null, 80],
    ['fe80::2ff:a00:1', null, 80],
  ]);
});

test('with bindv6only=1, `::` sockets leave the IPv4 ports alone', () => {
  const [wild] = parseProcNet(TCP6, 'tcp', true, { littleEndian: true, v6only: true });
  assert.equal([wild.ip, wild.ipv4], ['::', null]);
});

test('udp6: the remote address all zeros means unconnected', () => {
  const text = ['header', V6('00000000000000000000000000000000:0035', 4001, '07'), V6('00000000000000000000000001000000:8000', 4002, '01', '00000000000000000000000001000000:0035')].join('\n');
  assert.equal(parseProcNet(text, 'udp', true, LE).map((s) => [s.ip, s.port]), [['::', 53]]);
});

test('empty or missing tables and garbage lines hold nothing', () => {
  assert.equal(parseProcNet('', 'tcp', false, LE), []);
  assert.equal(parseProcNet('header\n   0: zz:yy 00000000:0000 0A a b c d e 9\n', 'tcp', false, LE), []);
});

test.run();
