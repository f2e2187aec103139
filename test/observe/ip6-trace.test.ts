// When an IPv4 spec's re-apply reads ip6tables at all: only while a bridge of the spec holds a global IPv6 address.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ipv6Interfaces, ipv6Trace } from '../../src/observe/ip6-trace.js';

// /proc/net/if_inet6 as the kernel prints it: address, ifindex, prefix, scope, flags, name.
const IF_INET6 = `00000000000000000000000000000001 01 80 10 80       lo
fe80000000000000284490fffececdb7 02 40 20 c0    docker0
fd000000000000000000000000000001 05 40 00 c0    br-old
20010db8000000000000000000000005 02 40 00 80       eth0
fe80000000000000284490fffececdb8 06 40 20 c0    br-app
`;

const files = (aliases: Record<string, string>) => (path: string): string => {
  if (path === '/proc/net/if_inet6') return IF_INET6;
  const m = /^\/sys\/class\/net\/(.+)\/ifalias$/.exec(path);
  return m ? `${aliases[m[1]] ?? ''}\n` : '';
};

test('global and unique local addresses only: not loopback, not link-local', () => {
  assert.equal(ipv6Interfaces(IF_INET6), ['br-old', 'eth0']);
  assert.equal(ipv6Interfaces(''), []);
});

test('a bridge the spec names, or one marked as its own, with an IPv6 address: read; otherwise not', () => {
  const read = files({ 'br-old': 'tnet:app/bridge/br-old', eth0: '' });
  assert.ok(ipv6Trace('app', ['br-old'], read), 'named by the spec');
  assert.ok(ipv6Trace('app', [], read), 'dropped from the spec, still marked as its bridge');
  assert.not.ok(ipv6Trace('other', [], read), "another spec's bridge");
  assert.not.ok(ipv6Trace('app', ['br-app', 'docker0'], files({ 'br-old': 'tnet:other/bridge/br-old' })), 'its bridges have link-local addresses only');
  assert.not.ok(ipv6Trace('app', [], files({ 'br-old': 'tnet:app/veth/x' })), 'marked, but not as a bridge');
  assert.not.ok(ipv6Trace('app', ['br-old'], () => ''), 'no IPv6 in the kernel');
});

test.run();
