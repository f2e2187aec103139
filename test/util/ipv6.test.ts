// IPv6 text ↔ numbers: RFC 5952 output as `ip` and ip6tables-save print it, CIDR arithmetic.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalCidr6, canonicalIpv6, contains6, formatIpv6, isLinkLocal6, last6, linkLocal6, overlaps6, parseCidr6, parseIpv6 } from '../../src/util/ipv6.js';

test('parse: compression, leading zeros, a trailing dotted quad; refuses what is not IPv6', () => {
  assert.is(parseIpv6('::'), 0n);
  assert.is(parseIpv6('::1'), 1n);
  assert.is(parseIpv6('fd00:1::2'), (0xfd00n << 112n) | (1n << 96n) | 2n);
  assert.is(parseIpv6('0:0:0:0:0:ffff:192.0.2.1'), parseIpv6('::ffff:c000:201'));
  for (const bad of ['', '1.2.3.4', ':::', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'fe80::1%eth0', '::1.2.3.256']) {
    assert.is(parseIpv6(bad), null, bad);
  }
});

test('format: lower case, no leading zeros, the longest zero run compressed, a single zero group not', () => {
  const round = (t: string) => formatIpv6(parseIpv6(t)!);
  assert.is(round('FD00:0001:0000:0000:0000:0000:0000:0002'), 'fd00:1::2');
  assert.is(round('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  assert.is(round('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1');
  assert.is(round('::'), '::');
  assert.is(round('1::'), '1::');
  assert.is(canonicalIpv6('not an address'), 'not an address');
  assert.is(canonicalCidr6('FD00:1:0::/64'), 'fd00:1::/64');
});

test('blocks: host bits cleared, last address, containment and overlap', () => {
  const c = parseCidr6('fd00:1::5/64')!;
  assert.is(formatIpv6(c.network), 'fd00:1::');
  assert.is(formatIpv6(last6(c)), 'fd00:1::ffff:ffff:ffff:ffff');
  assert.ok(contains6(c, parseIpv6('fd00:1::ffff')!));
  assert.not.ok(contains6(c, parseIpv6('fd00:2::')!));
  assert.ok(overlaps6(parseCidr6('fd00::/16')!, c));
  assert.not.ok(overlaps6(parseCidr6('fd00:2::/64')!, c));
  assert.is(parseCidr6('fd00::/129'), null);
  assert.ok(isLinkLocal6('fe80::1'));
  assert.not.ok(isLinkLocal6('fd00::1'));
});

test('linkLocal6: the EUI-64 address the kernel itself derives from a MAC', () => {
  assert.is(linkLocal6('02:42:0a:3d:00:01'), 'fe80::42:aff:fe3d:1/64');
  assert.is(linkLocal6('f2:ff:69:eb:8f:0c'), 'fe80::f0ff:69ff:feeb:8f0c/64');
});

test.run();
