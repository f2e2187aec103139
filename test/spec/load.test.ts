// The whole front end: quickstart → Spec, directory merge and its duplicates, the spec name, reading files.

import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TnetError } from '../../src/model/errors.js';
import type { ContainerSpec, Spec } from '../../src/model/spec.js';
import { LoadCache, loadSpec, parseSources } from '../../src/spec/load.js';

const quickstart = fileURLToPath(new URL('../../../examples/quickstart.yaml', import.meta.url));

function container(name: string, over: Partial<ContainerSpec>): ContainerSpec {
  return {
    name, network: { kind: 'bridge', bridge: 'docker0' }, networks: [], host: null, ip: null, ip6: null, mac: null, mtu: 1500, hostname: name,
    dns: [], dnsSearch: [], dnsOptions: [], extraHosts: [], links: [], expose: [], ports: [], publishAll: false, netns: null, ...over,
    // Bridge mode: its one network, with the container's own ip and mac.
    ...(over.network === undefined || over.network.kind === 'bridge' ? { networks: [{ network: 'docker0', ip: over.ip ?? null, ip6: null, mac: null, aliases: [] }] } : {}),
  };
}

const QUICKSTART: Spec = {
  name: 'quickstart',
  host: { ipForward: true, iptables: true, ip6tables: true, ipMasq: true, icc: true },
  bridges: {
    docker0: { name: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', mtu: 1500, ipRange: null, subnet6: null, gateway6: null, ipRange6: null, icc: true, internal: false, external: false, uplink: null, overlay: null },
  },
  overlays: {},
  containers: {
    'nginx-1': container('nginx-1', { ports: [{ hostIp: null, hostPort: 8080, hostRange: null, containerPort: 80, proto: 'tcp' }] }),
    'nginx-2': container('nginx-2', {
      ip: '172.17.0.3', hostname: 'web2', dns: ['192.0.2.53'], dnsSearch: ['example.com'], links: [{ target: 'nginx-1', alias: 'web' }],
    }),
    sidecar: container('sidecar', { network: { kind: 'container', target: 'nginx-1' }, mtu: null }),
    tools: container('tools', { network: { kind: 'host' }, mtu: null }),
    isolated: container('isolated', { network: { kind: 'none' }, mtu: null }),
  },
};

function value(r: Awaited<ReturnType<typeof loadSpec>>): Spec {
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.value;
}

function errors(r: Awaited<ReturnType<typeof loadSpec>>): TnetError[] {
  assert.not.ok(r.ok, 'should fail');
  return r.ok ? [] : r.errors;
}

test('examples/quickstart.yaml parses to the expected Spec', async () => {
  assert.equal(value(await loadSpec(quickstart)), QUICKSTART);
  const cache = new LoadCache();
  const first = value(await loadSpec(quickstart, { cache }));
  assert.equal(first, QUICKSTART);
  assert.ok(value(await loadSpec(quickstart, { cache })) === first, 'the same text gives back the same Spec object');
});

test('parseSources with the quickstart text gives the same', async () => {
  const { readFileSync } = await import('node:fs');
  assert.equal(value(parseSources([{ file: 'q.yaml', text: readFileSync(quickstart, 'utf8') }], 'quickstart')), QUICKSTART);
});

const A = 'version: 1\nhost:\n  icc: false\nbridges:\n  br0:\n    subnet: 10.0.0.0/24\ncontainers:\n  web: {}\n';
const B = 'containers:\n  db:\n    links: [web]\n';

test('directory merge: bridges and containers from every file', () => {
  const s = value(parseSources([{ file: 'a.yaml', text: A }, { file: 'b.yaml', text: B }], 'site'));
  assert.equal(Object.keys(s.containers), ['web', 'db']);
  assert.equal(s.containers.db.network, { kind: 'bridge', bridge: 'br0' });
  assert.is(s.bridges.br0.icc, false);
  assert.is(s.name, 'site');
});

test('directory merge: a container in two files names both', () => {
  const [e] = errors(parseSources([{ file: 'a.yaml', text: A }, { file: 'b.yaml', text: 'containers:\n  x: {}\n  web:\n    ip: 10.0.0.9\n' }], 'site'));
  assert.is(e.code, 'duplicate');
  assert.is(e.path, 'containers.web');
  assert.match(e.message, /container web is defined in both a\.yaml:8:3 and b\.yaml:3:3/);
  assert.equal([e.pos!.file, e.pos!.line, e.pos!.col], ['b.yaml', 3, 3]);
});

test('directory merge: a bridge in two files, host twice, version agreeing', () => {
  const errs = errors(parseSources([
    { file: 'a.yaml', text: A },
    { file: 'b.yaml', text: 'version: 1\nhost: {}\nbridges:\n  br0: {}\n' },
  ], 'site'));
  assert.equal(errs.map((e) => e.path), ['host', 'bridges.br0']);
  assert.match(errs[0].message, /host is set in both a\.yaml:2:1 and b\.yaml:2:1/);
  assert.match(errs[1].message, /bridge br0 is defined in both a\.yaml:5:3 and b\.yaml:4:3/);
});

test('directory merge: names must agree; version must be somewhere', () => {
  const [e] = errors(parseSources([{ file: 'a.yaml', text: `name: x\n${A}` }, { file: 'b.yaml', text: 'name: y\n' }], 'site'));
  assert.match(e.message, /name differs in both a\.yaml:1:1 and b\.yaml:1:1/);
  const [v] = errors(parseSources([{ file: 'a.yaml', text: 'containers: {}\n' }, { file: 'b.yaml', text: 'bridges: {}\n' }], 'site'));
  assert.is(v.path, 'version');
  assert.is(v.pos!.file, 'a.yaml');
  value(parseSources([{ file: 'a.yaml', text: '' }, { file: 'b.yaml', text: 'version: 1\n' }], 'site'));
});

test('errors from every file are collected', () => {
  const errs = errors(parseSources([{ file: 'a.yaml', text: 'version: 1\nfoo: 1\n' }, { file: 'b.yaml', text: 'bar: [\n' }, { file: 'c.yaml', text: 'baz: 1\n' }], 's'));
  assert.equal(errs.map((e) => `${e.code}:${e.pos!.file}`), ['yaml:b.yaml', 'schema:a.yaml', 'schema:c.yaml']);
});

test('spec name: name: wins, then the default; both checked', () => {
  assert.is(value(parseSources([{ file: 'f', text: 'version: 1\nname: web\n' }], 'dflt')).name, 'web');
  const [bad] = errors(parseSources([{ file: 'f', text: 'version: 1\nname: "no spaces"\n' }], 'dflt'));
  assert.equal([bad.code, bad.path, bad.pos!.line, bad.pos!.col], ['name', 'name', 2, 7]);
  const [long] = errors(parseSources([{ file: 'f', text: 'version: 1\n' }], 'a'.repeat(25)));
  assert.match(long.hint!, /name:/);
  assert.is(value(parseSources([{ file: 'f', text: 'version: 1\n' }], 'a'.repeat(24))).name.length, 24);
});

test('semantic errors come with positions in the right file', () => {
  const errs = errors(parseSources([{ file: 'a.yaml', text: A }, { file: 'b.yaml', text: 'containers:\n  db:\n    ip: 10.1.0.5\n' }], 's'));
  assert.equal(errs.map((e) => [e.path, e.pos!.file, e.pos!.line, e.pos!.col]), [['containers.db.ip', 'b.yaml', 3, 9]]);
});

test('loadSpec: a directory, sorted, *.yaml and *.yml, its name', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tnet-load-'));
  const dir = join(root, 'site-1');
  mkdirSync(dir);
  writeFileSync(join(dir, '10-base.yaml'), A);
  writeFileSync(join(dir, '20-db.yml'), B);
  writeFileSync(join(dir, 'README.md'), 'not yaml');
  writeFileSync(join(dir, '.#10-base.yaml'), 'garbage: [');
  mkdirSync(join(dir, 'sub.yaml'));
  const s = value(await loadSpec(dir));
  assert.is(s.name, 'site-1');
  assert.equal(Object.keys(s.containers), ['web', 'db']);
  assert.is(value(await loadSpec(dir, { name: 'override' })).name, 'override');
  const cache = new LoadCache();
  assert.equal(value(await loadSpec(dir, { cache })), s, 'through a load cache: the same spec');
  writeFileSync(join(dir, '20-db.yml'), B.replace('db:', 'db2:'));
  assert.equal(Object.keys(value(await loadSpec(dir, { cache })).containers), ['web', 'db2'], 'an edited file is read again');
  writeFileSync(join(dir, '20-db.yml'), B);
  const [bad] = errors(await loadSpec(dir, { name: 'bad name' }));
  assert.is(bad.code, 'name');
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.match(errors(await loadSpec(empty))[0].message, /no \*\.yaml/);
});

test('loadSpec: a file named after itself; a missing file', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tnet-load-'));
  writeFileSync(join(root, 'edge.prod.yaml'), 'version: 1\n');
  assert.is(value(await loadSpec(join(root, 'edge.prod.yaml'))).name, 'edge.prod');
  const [e] = errors(await loadSpec(join(root, 'nope.yaml')));
  assert.is(e.code, 'spec-io');
});

test.run();
