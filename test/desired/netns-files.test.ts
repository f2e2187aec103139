// Hosts files as Docker writes them on dual-stack networks: the IPv6 lines beside the IPv4 ones, and which entries get none.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DesiredState } from '../../src/model/desired.js';
import { desire } from '../../src/desired/desired.js';
import { hostsFile } from '../../src/desired/netns-files.js';
import { parseSources } from '../../src/spec/load.js';
import { DesireCache } from '../../src/desired/cache.js';
import { LoadCache, loadSpec } from '../../src/spec/load.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXED = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

const lines = (content: string) => content.trimEnd().split('\n');

function desiredOf(yaml: string): DesiredState {
  const r = parseSources([{ file: 'n.yaml', text: yaml }], 'n', 'hostA');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  const d = desire({ spec: r.value, held: { ips: {}, hostPorts: {} }, hostResolv: 'nameserver 192.0.2.1\n', firewall: false });
  if (!d.ok) throw new Error(d.errors[0].message);
  return d.value;
}

const hostsOf = (d: DesiredState, name: string) => lines(d.files.find((f) => f.path === `/etc/netns/${name}/hosts`)!.content);

test('a dual-stack container: its IPv6 line right after its IPv4 one, with the same names; a link\'s likewise', () => {
  const text = hostsFile({
    mark: 'tnet:s/files/b',
    ip: '10.88.0.3',
    ip6: 'fd00:88::3',
    hostname: 'b.example.com',
    extraHosts: [{ name: 'gw', ip: '192.0.2.1' }],
    links: [{ ip: '10.88.0.2', ip6: 'fd00:88::2', alias: 'x', name: 'a', hostname: 'a' }],
  });
  assert.equal(lines(text), [
    '# tnet:s/files/b',
    ...FIXED,
    '192.0.2.1\tgw',
    '10.88.0.2\tx a',
    'fd00:88::2\tx a',
    '10.88.0.3\tb.example.com b',
    'fd00:88::3\tb.example.com b',
  ]);
});

test('IPv4 only: no IPv6 line beyond Docker\'s fixed ones; none mode keeps 127.0.1.1', () => {
  const v4 = hostsFile({ mark: 'm', ip: '10.88.0.3', ip6: null, hostname: 'b', extraHosts: [], links: [{ ip: '10.88.0.2', ip6: null, alias: 'a', name: 'a', hostname: 'a' }] });
  assert.equal(lines(v4), ['# m', ...FIXED, '10.88.0.2\ta', '10.88.0.3\tb']);
  const none = hostsFile({ mark: 'm', ip: null, ip6: null, hostname: 'n', extraHosts: [], links: [] });
  assert.equal(lines(none), ['# m', ...FIXED, '127.0.1.1\tn']);
});

const DOCKER0 = `version: 1
name: s
bridges:
  docker0: {subnet6: "fd00:17::/64"}
  v4only: {subnet: 10.90.0.0/24}
containers:
  a:
    networks:
      docker0: {aliases: [alpha]}
  b: {links: ["a:x"]}
  side: {network: "container:a"}
  old: {bridge: v4only}
`;

test('desired: on dual-stack docker0 the own and link lines come in both families; another\'s alias in IPv4 only, as Docker', () => {
  const d = desiredOf(DOCKER0);
  assert.equal(hostsOf(d, 'b').slice(7), ['172.17.0.2\talpha', '172.17.0.2\tx a', 'fd00:17::2\tx a', '172.17.0.3\tb', 'fd00:17::3\tb']);
  assert.equal(hostsOf(d, 'a').slice(7), ['172.17.0.2\ta', 'fd00:17::2\ta']);
  assert.equal(hostsOf(d, 'side'), [`# tnet:s/files/side`, ...hostsOf(d, 'a').slice(1)], 'container:X writes X\'s lines');
  assert.equal(hostsOf(d, 'old').slice(7), ['10.90.0.2\told'], 'an IPv4-only bridge: as before');
});

test('desired: the IPv6 line follows the gateway network, as the IPv4 one does', () => {
  const d = desiredOf(`version: 1
name: s
bridges:
  front: {subnet: 10.91.0.0/24}
  back: {subnet: 10.92.0.0/24, subnet6: "fd00:92::/64"}
containers:
  multi:
    networks: {front: {}, back: {}}
    gateway: back
  plain:
    networks: {back: {}, front: {}}
    gateway: front
`);
  assert.equal(hostsOf(d, 'multi').slice(7), ['10.92.0.2\tmulti', 'fd00:92::2\tmulti']);
  assert.equal(hostsOf(d, 'plain').slice(7), ['10.91.0.3\tplain'], 'its gateway network is IPv4 only');
});

test('files looked up by identity follow what they take from other containers, the host and the owner of container:X', async () => {
  // The watch's loader: an unchanged entry is the same object after an edit, so only the key tells changes apart.
  const dir = mkdtempSync(join(tmpdir(), 'tnet-files-'));
  const file = join(dir, 'n.yaml');
  const load = new LoadCache();
  const cache = new DesireCache();
  const run = async (b: string, c: string, resolv: string) => {
    writeFileSync(file, `version: 1\nname: n\ncontainers:\n  a: {links: ["b:db"]}\n  b: {${b}}\n  c: {${c}}\n  d: {network: "container:c"}\n`);
    const r = await loadSpec(file, { cache: load, host: 'hostA' });
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    const d = desire({ spec: r.value, held: { ips: {}, hostPorts: {} }, hostResolv: resolv, firewall: false }, cache);
    if (!d.ok) throw new Error(d.errors[0].message);
    const fresh = desire({ spec: r.value, held: { ips: {}, hostPorts: {} }, hostResolv: resolv, firewall: false });
    // Whatever was looked up, it is what a desire from nothing writes.
    assert.equal(d.value.files, fresh.ok && fresh.value.files);
    return d.value;
  };
  const first = await run('ip: 172.17.0.9', 'hostname: one', 'nameserver 192.0.2.1\n');
  assert.ok(hostsOf(first, 'a').includes('172.17.0.9\tdb b'));
  // b moves: a's hosts file follows though a itself did not change.
  const second = await run('ip: 172.17.0.10', 'hostname: one', 'nameserver 192.0.2.1\n');
  assert.ok(hostsOf(second, 'a').includes('172.17.0.10\tdb b'));
  // c's hostname changes: d, in c's namespace, takes it.
  const third = await run('ip: 172.17.0.10', 'hostname: two', 'nameserver 192.0.2.1\n');
  assert.ok(hostsOf(third, 'd').some((l) => l.endsWith('two')));
  // The host's resolvers change: every resolv.conf follows.
  const fourth = await run('ip: 172.17.0.10', 'hostname: two', 'nameserver 192.0.2.7\n');
  assert.match(fourth.files.find((f) => f.path === '/etc/netns/a/resolv.conf')!.content, /192\.0\.2\.7/);
});

test.run();
