// IPv4 helper: parse/format, CIDR blocks, containment and overlap.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  broadcast, contains, containsCidr, firstHost, formatCidr, formatIpv4, isIpv4, lastHost, netmask,
  overlaps, parseCidr, parseIpv4, parseIpv4Prefix, size,
} from '../../src/util/ipv4.js';

const cidr = (s: string) => parseCidr(s)!;

test('parse and format dotted quads', () => {
  assert.is(parseIpv4('172.17.0.1'), 0xac110001);
  assert.is(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.is(parseIpv4('0.0.0.0'), 0);
  assert.is(formatIpv4(0xac110001), '172.17.0.1');
  assert.is(formatIpv4(0xffffffff), '255.255.255.255');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-1', 'a.b.c.d', '1..2.3', ' 1.2.3.4']) {
    assert.is(parseIpv4(bad), null, bad);
    assert.not.ok(isIpv4(bad), bad);
  }
});

/** The rule as first written: four dot-separated octets, each 0 or 1-255 without a leading zero. */
function reference(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

test('parseIpv4 reads what the rule allows and nothing else, over many near-misses', () => {
  const pieces = ['0', '1', '9', '10', '00', '01', '99', '255', '256', '300', '999', '1000', '', 'a', '-1', ' ', '+1', '0x1', '１'];
  let seed = 7;
  const pick = () => pieces[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % pieces.length];
  for (let k = 0; k < 20000; k++) {
    const count = 2 + (k % 5);
    const text = Array.from({ length: count }, pick).join(k % 97 === 0 ? ',' : '.');
    assert.is(parseIpv4(text), reference(text), JSON.stringify(text));
  }
});

test('parse CIDR: host bits cleared, kept by parseIpv4Prefix', () => {
  assert.equal(parseCidr('172.17.0.0/16'), { network: 0xac110000, prefix: 16 });
  assert.equal(parseCidr('172.17.3.4/16'), { network: 0xac110000, prefix: 16 });
  assert.equal(parseIpv4Prefix('172.17.3.4/16'), { ip: 0xac110304, prefix: 16 });
  assert.equal(parseCidr('0.0.0.0/0'), { network: 0, prefix: 0 });
  assert.equal(parseCidr('10.0.0.1/32'), { network: 0x0a000001, prefix: 32 });
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '10.0.0/8', '10.0.0.0/-1']) assert.is(parseCidr(bad), null, bad);
  assert.is(formatCidr(cidr('172.17.9.9/16')), '172.17.0.0/16');
});

test('netmask, size, broadcast, first and last host', () => {
  assert.is(netmask(24), 0xffffff00);
  assert.is(netmask(0), 0);
  assert.is(netmask(32), 0xffffffff);
  const c = cidr('172.17.0.0/16');
  assert.is(size(c), 65536);
  assert.is(formatIpv4(broadcast(c)), '172.17.255.255');
  assert.is(formatIpv4(firstHost(c)), '172.17.0.1');
  assert.is(formatIpv4(lastHost(c)), '172.17.255.254');
  assert.is(formatIpv4(broadcast(cidr('0.0.0.0/0'))), '255.255.255.255');
  const p31 = cidr('10.0.0.0/31');
  assert.is(formatIpv4(firstHost(p31)), '10.0.0.0');
  assert.is(formatIpv4(lastHost(p31)), '10.0.0.1');
  const p32 = cidr('10.0.0.7/32');
  assert.is(firstHost(p32), lastHost(p32));
});

test('contains, containsCidr, overlaps', () => {
  const c = cidr('172.17.0.0/16');
  assert.ok(contains(c, parseIpv4('172.17.255.255')!));
  assert.not.ok(contains(c, parseIpv4('172.18.0.0')!));
  assert.ok(containsCidr(c, cidr('172.17.1.0/24')));
  assert.not.ok(containsCidr(cidr('172.17.1.0/24'), c));
  assert.not.ok(containsCidr(c, cidr('172.16.0.0/12')));
  assert.ok(overlaps(c, cidr('172.16.0.0/12')));
  assert.ok(overlaps(cidr('172.17.1.0/24'), c));
  assert.not.ok(overlaps(c, cidr('172.18.0.0/16')));
  assert.ok(overlaps(cidr('0.0.0.0/0'), cidr('255.255.255.255/32')));
});

test.run();
