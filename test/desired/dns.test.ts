// tnet's DNS in the pure stages: the records a spec desires, the resolv.conf it gives, the plan and its undo.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DnsRecords } from '../../src/model/dns.js';
import type { DesiredState } from '../../src/model/desired.js';
import type { Spec } from '../../src/model/spec.js';
import { desire } from '../../src/desired/desired.js';
import { parseSources } from '../../src/spec/load.js';
import { diffDns } from '../../src/plan/diff-dns.js';
import { undoPlan } from '../../src/plan/undo.js';
import { residue } from '../../src/plan/residue.js';
import { desired as desiredFixture, emptyObserved } from '../helpers/fixtures.js';

const APP = `version: 1
name: app
bridges:
  app: {subnet: 10.88.0.0/24}
  back: {subnet: 10.89.0.0/24, internal: true}
containers:
  web:
    hostname: webhost
    networks:
      app: {aliases: [www]}
    links: ["db:database"]
  db:
    networks:
      back: {aliases: [store]}
      app: {}
    gateway: app
  vault: {bridge: back, dns: [10.89.0.53, 192.0.2.53]}
  side: {network: "container:web"}
  legacy: {}
  alone: {network: none}
`;

function spec(yaml: string): Spec {
  const r = parseSources([{ file: 'n.yaml', text: yaml }], 'n', 'hostA');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.value;
}

function desiredOf(s: Spec, hostResolv = 'nameserver 192.0.2.1\nnameserver 127.0.0.53\nsearch example.com\n'): DesiredState {
  const d = desire({ spec: s, held: { ips: {}, hostPorts: {} }, hostResolv, firewall: true });
  if (!d.ok) throw new Error(d.errors[0].message);
  return d.value;
}

const file = (d: DesiredState, path: string) => d.files.find((f) => f.path === path)?.content;

test('records: every network with DNS, each container\'s names per network, links, upstreams', () => {
  const d = desiredOf(spec(APP));
  const r = JSON.parse(d.dns!.records) as DnsRecords;
  assert.is(d.dns!.path, '/run/tnet/dns/specs/app.json');
  assert.equal(r.networks, [{ name: 'app', address: '10.88.0.1' }, { name: 'back', address: '10.89.0.1' }], 'docker0 has no DNS');
  const by = new Map(r.containers.map((c) => [c.name, c]));
  assert.equal([...by.keys()], ['web', 'db', 'vault'], 'container:X, docker0 only and none have no record');
  assert.equal(by.get('web')!.endpoints, [{ network: 'app', ip: '10.88.0.2', names: ['web', 'webhost', 'www'] }]);
  assert.equal(by.get('web')!.links, [{ alias: 'database', target: 'db' }]);
  assert.equal(by.get('web')!.upstreams, ['192.0.2.1'], 'the host\'s, without loopback');
  assert.equal(by.get('db')!.endpoints.map((e) => [e.network, e.names]), [['back', ['db', 'store']], ['app', ['db']]]);
  assert.equal(by.get('db')!.upstreams, ['192.0.2.1'], 'on a network with a way out');
  assert.equal(by.get('vault')!.upstreams, ['10.89.0.53'], 'only internal networks: only its own servers inside them');
});

test('records: an endpoint on a dual-stack network carries its ip6; one on an IPv4-only network has none', () => {
  const d = desiredOf(spec(APP.replace('app: {subnet: 10.88.0.0/24}', 'app: {subnet: 10.88.0.0/24, subnet6: "fd00:88::/64"}')));
  const by = new Map((JSON.parse(d.dns!.records) as DnsRecords).containers.map((c) => [c.name, c]));
  assert.equal(by.get('web')!.endpoints, [{ network: 'app', ip: '10.88.0.2', ip6: 'fd00:88::2', names: ['web', 'webhost', 'www'] }]);
  assert.equal(by.get('db')!.endpoints.map((e) => [e.network, e.ip6]), [['back', undefined], ['app', 'fd00:88::3']]);
  assert.match(d.dns!.records, /^\{"name":"vault","endpoints":\[\{"network":"back","ip":"10\.89\.0\.\d+","names":/m, 'one container a line, no ip6 key');
  assert.equal(desiredOf(spec(APP)).dns!.records.includes('ip6'), false, 'an IPv4-only spec\'s records are as before');
  assert.is(file(d, '/etc/netns/web/resolv.conf'), 'nameserver 10.88.0.1\nsearch example.com\noptions ndots:0\n', 'the server is named by its IPv4 gateway');
});

test('resolv.conf: the gateway of the gateway network (else the first with DNS), ndots:0 unless given; docker0 keeps the upstreams', () => {
  const d = desiredOf(spec(APP));
  assert.is(file(d, '/etc/netns/web/resolv.conf'), 'nameserver 10.88.0.1\nsearch example.com\noptions ndots:0\n');
  assert.is(file(d, '/etc/netns/db/resolv.conf'), 'nameserver 10.88.0.1\nsearch example.com\noptions ndots:0\n', 'db\'s gateway network is app');
  assert.is(file(d, '/etc/netns/side/resolv.conf'), file(d, '/etc/netns/web/resolv.conf'), 'container:X is X');
  assert.is(file(d, '/etc/netns/legacy/resolv.conf'), 'nameserver 192.0.2.1\nsearch example.com\n');
  assert.is(file(d, '/etc/netns/alone/resolv.conf'), 'nameserver 192.0.2.1\nsearch example.com\n');
  const own = desiredOf(spec(APP.replace('  legacy: {}', '  legacy: {}\n  tuned: {bridge: app, dnsOptions: ["ndots:3", "rotate"]}')));
  assert.is(file(own, '/etc/netns/tuned/resolv.conf'), 'nameserver 10.88.0.1\nsearch example.com\noptions ndots:3 rotate\n');
});

test('hosts files: no alias lines on networks with DNS; links still have theirs', () => {
  const d = desiredOf(spec(APP));
  const hosts = file(d, '/etc/netns/web/hosts')!;
  assert.match(hosts, /^10\.88\.0\.3\tdatabase db$/m);
  assert.not.match(hosts, /store|www/);
});

test('the firewall accepts DNS from each bridge with DNS to its gateway, and no other', () => {
  const filter = desiredOf(spec(APP)).firewall!.tables.find((t) => t.table === 'filter')!;
  const accepts = filter.chains['TNET-INPUT'].filter((r) => r.includes('--dport 53'));
  assert.equal(accepts, [
    '-d 10.88.0.1/32 -i app -p udp -m udp --dport 53 -m comment --comment "tnet:app" -j ACCEPT',
    '-d 10.88.0.1/32 -i app -p tcp -m tcp --dport 53 -m comment --comment "tnet:app" -j ACCEPT',
    '-d 10.89.0.1/32 -i back -p udp -m udp --dport 53 -m comment --comment "tnet:app" -j ACCEPT',
    '-d 10.89.0.1/32 -i back -p tcp -m tcp --dport 53 -m comment --comment "tnet:app" -j ACCEPT',
  ]);
});

test('a spec on docker0 alone has no DNS', () => {
  assert.is(desiredOf(spec('version: 1\nname: q\ncontainers:\n  a: {}\n')).dns, null);
});

const WANT = { records: '{"x":1}\n', path: '/run/tnet/dns/specs/q.json' };
const seen = (records: string | null, running: boolean, others: string[] = []) => emptyObserved({ dns: { spec: 'q', records, running, others } });

test('plan: records written when they differ, the server started when silent, stopped with the last spec', () => {
  const want = desiredFixture({ dns: WANT });
  const none = desiredFixture({ dns: null });
  assert.equal(diffDns(want, seen(WANT.records, true)), [], 'nothing to do');
  assert.equal(diffDns(want, seen(null, false)), [{ op: 'dns-records', spec: 'q', path: WANT.path, content: WANT.records }, { op: 'dns-serve' }]);
  assert.equal(diffDns(want, seen('old', true)), [{ op: 'dns-records', spec: 'q', path: WANT.path, content: WANT.records }, { op: 'dns-serve' }]);
  assert.equal(diffDns(want, seen(WANT.records, false)), [{ op: 'dns-serve' }], 'killed: started again');
  assert.equal(diffDns(none, seen('old', true)), [{ op: 'dns-records', spec: 'q', path: WANT.path, content: null }, { op: 'dns-stop' }]);
  assert.equal(diffDns(none, seen('old', true, ['other'])), [{ op: 'dns-records', spec: 'q', path: WANT.path, content: null }, { op: 'dns-serve' }], 'another spec still needs it');
  assert.equal(diffDns(none, seen(null, false)), []);
});

test('undo: the old records back and reloaded when the server ran before; a server the apply started is stopped', () => {
  const write = { op: 'dns-records', spec: 'q', path: WANT.path, content: WANT.records } as const;
  assert.equal(undoPlan([write, { op: 'dns-serve' }], seen('old', true)).actions, [{ ...write, content: 'old' }, { op: 'dns-serve' }]);
  assert.equal(undoPlan([write, { op: 'dns-serve' }], seen(null, false)).actions, [{ op: 'dns-stop' }, { ...write, content: null }]);
  assert.equal(undoPlan([{ op: 'dns-stop' }], seen(null, true)).actions, [{ op: 'dns-serve' }]);
  assert.equal(residue([write, { op: 'dns-serve' }], seen(null, false), seen(WANT.records, true)), ['DNS records of q: written', "tnet's DNS server: started"]);
});

test.run();
