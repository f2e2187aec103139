// The index the server answers from: names per network, who asks from which address, shared profiles.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SortedMap } from '../../src/dns/sorted.js';
import { addresses6, addressOf, buildView, canonicalName, containerOnHost, knownOnHost, namesIn, querierAt } from '../../src/dns/view.js';
import { sampleRecords } from './wire.js';

const view = buildView(sampleRecords());
const net = (name: string) => view.networks.get(name)!;

test('names are lowercased and lose a trailing dot', () => {
  assert.is(canonicalName('Web.Example.'), 'web.example');
  assert.is(canonicalName('db'), 'db');
});

test('each network holds its containers\' names, hostnames and aliases, and where to listen', () => {
  assert.equal([...net('front').names.keys()].sort(), ['app', 'web', 'web-host', 'www']);
  assert.equal([...net('back').names.keys()].sort(), ['app', 'db', 'svc']);
  assert.is(net('front').names.get('web'), '10.1.0.2');
  assert.equal(view.addresses, ['10.1.0.1', '10.2.0.1', '10.3.0.1']);
  assert.is(view.atAddress.get('10.2.0.1'), net('back'));
  assert.is(view.containers, 4);
});

test('a name several containers hold keeps every address, in records order', () => {
  assert.equal(net('back').names.get('svc'), ['10.2.0.3', '10.2.0.2']);
});

test('an endpoint on a network without DNS (docker0) is left out', () => {
  assert.not.ok(view.networks.has('docker0'));
  assert.not.ok(containerOnHost(view, '172.17.0.5'));
});

test('who asks: the container holding the source address on that network, with its networks in records order', () => {
  const app = net('back').queriers.get('10.2.0.3')!;
  assert.is(app.name, 'app');
  assert.equal(app.profile.networks, ['front', 'back']);
  assert.is(app.profile.links.get('database'), 'db', 'link aliases are lowercased');
  assert.is(net('front').queriers.get('10.1.0.3'), app, 'one querier per container');
  assert.is(net('front').queriers.get('10.1.0.99'), undefined);
});

test('a dual-stack network maps each IPv4 address to the IPv6 one and knows its queriers by either; IPv4-only networks hold nothing more', () => {
  const front = net('front');
  assert.is(front.ip6Of.get('10.1.0.2'), 'fd00:1::2');
  assert.is(querierAt(front, 'fd00:1::3'), front.queriers.get('10.1.0.3'), 'one querier per container, by either address');
  assert.is(querierAt(front, '10.1.0.3')!.name, 'app');
  assert.is(querierAt(front, 'fd00:1::99'), undefined);
  assert.equal(addresses6(front, ['10.1.0.2', '10.1.0.9', '10.1.0.3']), ['fd00:1::2', 'fd00:1::3']);
  assert.is(net('back').ip6Of.size + net('back').queriers6.size, 0);
  assert.is(net('back').ip6Of, net('back').queriers6, 'one shared empty index');
  assert.ok(containerOnHost(view, 'fd00:3::2'));
  assert.not.ok(containerOnHost(view, 'fd00:3::9'));
});

test('containers that see alike share a profile; one with links has its own', () => {
  const records = sampleRecords();
  records[0].containers.push({ name: 'web2', endpoints: [{ network: 'front', ip: '10.1.0.4', names: ['web2'] }], links: [], upstreams: ['192.0.2.53', '192.0.2.54'] });
  const v = buildView(records);
  const front = v.networks.get('front')!;
  assert.is(front.queriers.get('10.1.0.4')!.profile, front.queriers.get('10.1.0.2')!.profile);
  assert.is.not(front.queriers.get('10.1.0.3')!.profile, front.queriers.get('10.1.0.2')!.profile);
});

test('<name>.<network> resolves on that network, whatever the case; host-wide knowledge spans every spec', () => {
  assert.is(namesIn(net('front'), 'web.front'), '10.1.0.2');
  assert.is(namesIn(net('back'), 'web.front'), undefined);
  assert.ok(knownOnHost(view, 'secret'));
  assert.ok(knownOnHost(view, 'secret.iso'));
  assert.not.ok(knownOnHost(view, 'example.com'));
  assert.is(addressOf(net('back'), 'db'), '10.2.0.2');
  assert.is(addressOf(net('front'), 'db'), undefined);
});

test('the same network in two specs merges; the first address is kept', () => {
  const v = buildView([...sampleRecords(), { spec: 'late', networks: [{ name: 'front', address: '10.9.0.1' }], containers: [{ name: 'late', endpoints: [{ network: 'front', ip: '10.1.0.9', names: ['late'] }], links: [], upstreams: [] }] }]);
  assert.is(v.networks.get('front')!.address, '10.1.0.1');
  assert.is(v.networks.get('front')!.names.get('late'), '10.1.0.9');
});

test('the sorted index finds every key and nothing else, whatever the order they came in', () => {
  const words = ['m10', 'm9', 'm1', 'api', 'Z', 'm100', 'a.b', 'a-b', ''];
  const index = SortedMap.from(new Map(words.map((w, i) => [w, i])));
  assert.is(index.size, words.length);
  words.forEach((w, i) => assert.is(index.get(w), i, w));
  for (const absent of ['m', 'm11', 'zz', 'A', ' ']) assert.is(index.get(absent), undefined, absent);
  assert.is(SortedMap.from(new Map()).get('x'), undefined);
});

test.run();
