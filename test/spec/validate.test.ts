// Semantic errors: each names the field path and the line:col of the offending node.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TnetError } from '../../src/model/errors.js';
import type { Spec } from '../../src/model/spec.js';
import { parseSources } from '../../src/spec/load.js';
import { normalize } from '../../src/spec/normalize.js';
import { validate } from '../../src/spec/validate.js';

function errs(body: string): TnetError[] {
  const r = parseSources([{ file: 'v.yaml', text: `version: 1\n${body}` }], 'v');
  if (r.ok) return [];
  return r.errors;
}

/** `path@line:col` of each error; line 1 is `version: 1`, so the body starts on line 2. */
function where(body: string): string[] {
  return errs(body).map((e) => `${e.path}@${e.pos?.line}:${e.pos?.col}`);
}

function only(body: string, re: RegExp): TnetError {
  const e = errs(body);
  assert.is(e.length, 1, JSON.stringify(e.map((x) => x.message)));
  assert.match(e[0].message, re);
  assert.is(e[0].code, 'invalid');
  return e[0];
}

const ok = (body: string) => assert.equal(errs(body).map((e) => e.message), []);

test('container names', () => {
  assert.equal(where('containers:\n  _web: {}\n'), ['containers._web@3:3']);
  assert.equal(where(`containers:\n  ${'a'.repeat(64)}: {}\n`), [`containers.${'a'.repeat(64)}@3:3`]);
  ok(`containers:\n  ${'a'.repeat(63)}: {}\n`);
});

test('bridge names: Linux ifname rules', () => {
  assert.equal(where('bridges:\n  abcdefghijklmnop: {}\n'), ['bridges.abcdefghijklmnop@3:3']);
  only('bridges:\n  "br:0": {}\n', /'\/', ':' or whitespace/);
  only('bridges:\n  "br 0": {}\n', /whitespace/);
  only('bridges:\n  host: {}\n', /network mode/);
  ok('bridges:\n  abcdefghijklmno: {}\n');
});

test('hostnames', () => {
  assert.equal(where('containers:\n  a:\n    hostname: -bad-\n'), ['containers.a.hostname@4:15']);
  only('containers:\n  a:\n    hostname: a..b\n', /not a valid host name/);
  only(`containers:\n  a:\n    hostname: ${'a'.repeat(65)}\n`, /not a valid host name/);
  const e = only('containers:\n  a..b: {}\n', /hostname defaults to it/);
  assert.is(e.hint, 'set hostname:');
  ok('containers:\n  a:\n    hostname: web-2.example.com\n  b_1: {}\n');
});

test('container ip against its bridge', () => {
  const b = 'bridges:\n  docker0:\n    subnet: 172.17.0.0/16\ncontainers:\n  a:\n    ip: ';
  assert.equal(where(`${b}10.0.0.1\n`), ['containers.a.ip@7:9']);
  only(`${b}10.0.0.1\n`, /outside subnet 172.17.0.0\/16/);
  only(`${b}172.17.0.0\n`, /network address/);
  only(`${b}172.17.0.1\n`, /gateway/);
  only(`${b}172.17.255.255\n`, /broadcast/);
  only(`${b}172.17.0.300\n`, /not an IPv4 address/);
  ok(`${b}172.17.0.2\n`);
});

test('bridge subnet, gateway, ipRange, mtu', () => {
  assert.equal(where('bridges:\n  br0:\n    subnet: 10.0.0.0/24\n    gateway: 10.0.1.1\n'), ['bridges.br0.gateway@5:14']);
  only('bridges:\n  br0:\n    subnet: 10.0.0.0/24\n    gateway: 10.0.0.0\n', /network address/);
  only('bridges:\n  br0:\n    subnet: 10.0.0.0/24\n    gateway: 10.0.0.255\n', /broadcast/);
  only('bridges:\n  br0:\n    subnet: 10.0.0.0/24\n    gateway: gw\n', /not an IPv4 address/);
  const hostBits = only('bridges:\n  br0:\n    subnet: 10.0.0.5/24\n', /host bits/);
  assert.is(hostBits.hint, 'did you mean 10.0.0.0/24?');
  assert.equal([hostBits.pos!.line, hostBits.pos!.col], [4, 13]);
  only('bridges:\n  br0:\n    subnet: 10.0.0/24\n', /not an IPv4 CIDR/);
  only('bridges:\n  br0:\n    subnet: 10.0.0.0/31\n', /too small/);
  assert.equal(where('bridges:\n  br0:\n    subnet: 10.0.0.0/24\n    ipRange: 10.0.1.0/25\n'), ['bridges.br0.ipRange@5:14']);
  only('bridges:\n  br0:\n    subnet: 10.0.0.0/24\n    ipRange: 10.0.0.0/16\n', /not inside subnet/);
  assert.equal(where('bridges:\n  br0:\n    mtu: 67\n'), ['bridges.br0.mtu@4:10']);
  assert.equal(where('containers:\n  a:\n    mtu: 65536\n'), ['containers.a.mtu@4:10']);
  ok('bridges:\n  br0:\n    subnet: 10.0.0.0/24\n    ipRange: 10.0.0.128/25\n    mtu: 68\n');
});

test('external bridge needs a subnet', () => {
  assert.equal(where('bridges:\n  br0:\n    external: true\n'), ['bridges.br0.subnet@3:3']);
  ok('bridges:\n  br0:\n    external: true\n    subnet: 10.0.0.0/24\n');
});

test('overlapping bridge subnets', () => {
  const e = only('bridges:\n  a:\n    subnet: 10.0.0.0/16\n  b:\n    subnet: 10.0.5.0/24\n', /overlaps 10.0.0.0\/16 of bridge a/);
  assert.equal([e.path, e.pos!.line, e.pos!.col], ['bridges.b.subnet', 6, 13]);
  // docker0 added by tnet: blame the declared bridge, which is the one the user can change.
  const d = only('bridges:\n  a:\n    subnet: 172.17.5.0/24\n  b: {}\ncontainers:\n  c:\n    bridge: docker0\n', /docker0 is added/);
  assert.is(d.path, 'bridges.a.subnet');
});

test('duplicate ip on a bridge, duplicate mac', () => {
  assert.equal(where('containers:\n  a:\n    ip: 172.17.0.5\n  b:\n    ip: 172.17.0.5\n'), ['containers.b.ip@6:9']);
  ok('bridges:\n  x:\n    subnet: 10.0.0.0/24\n  y:\n    subnet: 10.0.1.0/24\ncontainers:\n  a:\n    bridge: x\n  b:\n    bridge: y\n');
  assert.equal(where('containers:\n  a:\n    mac: 02:42:ac:11:00:02\n  b:\n    mac: 02:42:AC:11:00:02\n'), ['containers.b.mac@6:10']);
});

test('bad macs', () => {
  only('containers:\n  a:\n    mac: 01:00:5e:00:00:01\n', /multicast/);
  only('containers:\n  a:\n    mac: 02:42:ac:11:00\n', /not a MAC address/);
  only('containers:\n  a:\n    mac: 00:00:00:00:00:00\n', /not a usable/);
});

test('unknown bridge', () => {
  assert.equal(where('bridges:\n  a: {}\n  b: {}\ncontainers:\n  c:\n    bridge: nope\n'), ['containers.c.bridge@7:13']);
});

test('links', () => {
  assert.equal(where('containers:\n  a:\n    links: ["ghost:g"]\n'), ['containers.a.links[0]@4:13']);
  only('containers:\n  a:\n    links: ["ghost:g"]\n', /not a container of the spec/);
  only('containers:\n  a:\n    links: [t]\n  t:\n    network: host\n', /no bridge address/);
  const viaNone = errs('containers:\n  a:\n    links: [s]\n  s:\n    network: container:n\n  n:\n    network: none\n');
  assert.equal(viaNone.map((e) => e.path), ['containers.a.links[0]', 'containers.s.network']);
  assert.match(viaNone[0].message, /no bridge address/);
  only('containers:\n  a:\n    links: [a]\n', /itself/);
  only('containers:\n  a:\n    links: ["t:bad alias"]\n  t: {}\n', /alias/);
  only('bridges:\n  x: {}\n  y: {}\ncontainers:\n  a:\n    bridge: x\n    links: [t]\n  t:\n    bridge: y\n', /same bridge|on bridge y/);
  ok('containers:\n  a:\n    links: ["s:web"]\n  s:\n    network: container:t\n  t: {}\n');
});

test('container:X chains', () => {
  assert.equal(where('containers:\n  a:\n    network: container:ghost\n'), ['containers.a.network@4:14']);
  const loop = errs('containers:\n  a:\n    network: container:b\n  b:\n    network: container:a\n');
  assert.equal(loop.map((e) => e.path), ['containers.a.network', 'containers.b.network']);
  assert.match(loop[0].message, /loops: a → b → a/);
  only('containers:\n  a:\n    network: container:a\n', /loops/);
  only('containers:\n  a:\n    network: container:h\n  h:\n    network: host\n', /ends in h, which has network: host/);
  const viaNone = errs('containers:\n  a:\n    network: container:b\n  b:\n    network: container:n\n  n:\n    network: none\n');
  assert.equal(viaNone.map((e) => e.path), ['containers.a.network', 'containers.b.network']);
  assert.match(viaNone[0].message, /container:b ends in n, which has network: none/);
});

test('conflicting options for container:X, host and none', () => {
  const body = 'containers:\n  t: {}\n  s:\n    network: container:t\n    ip: 172.17.0.9\n    mac: 02:00:00:00:00:01\n    ports: ["80"]\n    publishAll: true\n    links: [t]\n    expose: [80]\n    hostname: x\n    dns: [1.1.1.1]\n    extraHosts: ["a:1.2.3.4"]\n    mtu: 1400\n';
  const e = errs(body);
  assert.equal(e.map((x) => x.path), ['containers.s.ip', 'containers.s.mac', 'containers.s.mtu', 'containers.s.ports', 'containers.s.publishAll',
    'containers.s.links', 'containers.s.expose', 'containers.s.hostname', 'containers.s.dns', 'containers.s.extraHosts']);
  assert.match(e[0].message, /conflicting options: ip and network: container:t/);
  assert.equal([e[3].pos!.line, e[3].pos!.col], [8, 12]);
  const host = errs('containers:\n  t: {}\n  h:\n    network: host\n    ports: ["80:80"]\n    links: [t]\n    netns: /proc/1/ns/net\n    hostname: myhost\n    dns: [1.1.1.1]\n');
  assert.equal(host.map((x) => x.path), ['containers.h.ports', 'containers.h.links', 'containers.h.netns']);
  assert.match(host[1].message, /conflicting options: links and network: host/);
  const none = errs('containers:\n  n:\n    network: none\n    ip: 172.17.0.2\n    publishAll: true\n    netns: /proc/1/ns/net\n    expose: [80]\n');
  assert.equal(none.map((x) => x.path), ['containers.n.ip', 'containers.n.publishAll']);
});

test('published ports: same host address, port and protocol', () => {
  assert.equal(where('containers:\n  a:\n    ports: ["8080:80"]\n  b:\n    ports: ["8080:81"]\n'), ['containers.b.ports@6:12']);
  only('containers:\n  a:\n    ports: ["8080:80"]\n  b:\n    ports: ["8080:81"]\n', /0.0.0.0:8080->81\/tcp, which a already publishes/);
  ok('containers:\n  a:\n    ports: ["8080:80"]\n  b:\n    ports: ["8080:80/udp"]\n');
  ok('containers:\n  a:\n    ports: ["192.0.2.1:8080:80"]\n  b:\n    ports: ["192.0.2.2:8080:80"]\n');
  only('containers:\n  a:\n    ports: ["192.0.2.1:8080:80"]\n  b:\n    ports: ["8080:80"]\n', /already publishes/);
  only('containers:\n  a:\n    ports: ["0.0.0.0:8080:80"]\n  b:\n    ports: ["192.0.2.1:8080:80"]\n', /already publishes/);
  only('containers:\n  a:\n    ports: ["9000-9002:9000-9002"]\n  b:\n    ports: ["9002:80"]\n', /9002/);
  only('containers:\n  a:\n    ports: ["8080:80", "8080:81"]\n', /itself/);
  ok('containers:\n  a:\n    ports: ["80", "8000-8010:80"]\n  b:\n    ports: ["80", "8000-8010:80"]\n');
});

test('resolver fields', () => {
  assert.equal(where('containers:\n  a:\n    dns: [1.1.1.1, dns.google, "2001:4860:4860::8888"]\n'), ['containers.a.dns[1]@4:20']);
  only('containers:\n  a:\n    dnsSearch: ["bad domain"]\n', /search domain/);
  only('containers:\n  a:\n    dnsOptions: ["ndots 2"]\n', /dns option/);
  only('containers:\n  a:\n    extraHosts: ["db:nope"]\n', /extraHosts address/);
  only('containers:\n  a:\n    extraHosts: ["d b:1.2.3.4"]\n', /extraHosts name/);
  ok('containers:\n  a:\n    dnsOptions: [ndots:2, rotate, single-request-reopen]\n    extraHosts: ["v6:::1"]\n');
});

test('netns', () => {
  assert.equal(where('containers:\n  a:\n    netns: proc/1/ns/net\n'), ['containers.a.netns@4:12']);
  only('containers:\n  a:\n    netns: /proc/1/ns/net\n  b:\n    netns: /proc/1/ns/net\n', /also used by a/);
  ok('containers:\n  a:\n    netns: /proc/1/ns/net\n  n:\n    network: none\n    netns: /proc/2/ns/net\n');
});

test('validate works on a Spec without positions', () => {
  const r = normalize({ version: 1, containers: { s: { network: 'container:t', hostname: 'x' }, t: {} } }, 't');
  assert.ok(r.ok);
  const errors = validate((r as { value: Spec }).value);
  assert.equal(errors.map((e) => [e.path, e.pos]), [['containers.s.hostname', undefined]]);
});

test.run();
