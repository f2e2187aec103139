// Rendering inspect's objects: JSON and YAML that parse back to the same objects, blocks of text, docker port lines.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { joinedObjects } from '../../src/inspect/joined.js';
import { renderChosen, renderInspect, renderPorts } from '../../src/render/inspect.js';
import type { ContainerView } from '../../src/inspect/view.js';
import { converged, desiredOf, spec } from '../inspect/fixture.js';

const s = spec();
const d = desiredOf(s);
const all = joinedObjects({ spec: s, desired: d, observed: converged(d), actions: [], line: (a) => a.op });
const web = all.find((o) => o.name === 'web') as ContainerView;

test('json: one array of objects each with a kind, parsing back to the very objects', () => {
  const text = renderInspect(all, 'json');
  const back = JSON.parse(text) as { kind: string }[];
  assert.equal(back, JSON.parse(JSON.stringify(all)));
  assert.equal(back.map((o) => o.kind), ['bridge', 'container', 'container', 'container', 'container']);
  assert.is(renderInspect([], 'json'), '[]\n');
});

test('json: the field names are stable', () => {
  const [c] = JSON.parse(renderInspect([web], 'json')) as Record<string, unknown>[];
  assert.equal(Object.keys(c), ['kind', 'name', 'spec', 'state', 'mode', 'netns', 'hostname', 'networks', 'ports', 'links', 'dns', 'changes']);
  assert.equal(Object.keys((c.networks as object[])[0]), ['network', 'interface', 'ipv4', 'ipv6', 'gateway', 'gateway6', 'mac', 'hostVeth', 'aliases']);
  assert.equal(Object.keys((c.ports as object[])[0]), ['containerPort', 'proto', 'family', 'hostIp', 'hostPort', 'chosen']);
});

test('yaml: parses back to the same objects; nothing is []', () => {
  assert.equal(parse(renderInspect(all, 'yaml')), JSON.parse(JSON.stringify(all)));
  assert.equal(parse(renderInspect([], 'yaml')), []);
});

test('table: a block per object, its kind, name, spec and state first, ports as docker port prints them', () => {
  const text = renderInspect(all, 'table');
  const blocks = text.split('\n\n');
  assert.is(blocks.length, 5);
  assert.match(blocks[0], /^bridge br6 \(spec demo, in sync\)\n/);
  assert.match(blocks[0], /subnet6 +fd00:60::\/64 via fd00:60::1/);
  const block = blocks[1];
  assert.match(block, /^container web \(spec demo, in sync\)\n/);
  assert.match(block, /\n  eth0 +br6, 10\.60\.0\.2\/24 via 10\.60\.0\.1, fd00:60::2\/64 via fd00:60::1, mac 02:42:0a:3c:00:02, host veth veth\w+, aliases www\n/);
  assert.match(block, /\n  ports +80\/tcp -> 0\.0\.0\.0:8080\n +80\/tcp -> 0\.0\.0\.0:32768 \(chosen\)\n/);
  assert.match(block, /\n  links +db:database\n/);
});

test('docker port lines: every mapping, or the host side alone for one private port; apply\'s chosen line', () => {
  assert.is(renderPorts(web.ports.slice(0, 2), false), '80/tcp -> 0.0.0.0:8080\n80/tcp -> 0.0.0.0:32768\n');
  assert.is(renderPorts(web.ports.slice(0, 2), true), '0.0.0.0:8080\n0.0.0.0:32768\n');
  assert.is(renderPorts([{ ...web.ports[1], family: 6, hostIp: '::' }], false), '80/tcp -> [::]:32768\n');
  assert.is(renderPorts([], false), '');
  assert.is(renderChosen({ container: 'web', port: web.ports[1] }), 'published web 80/tcp -> 0.0.0.0:32768');
});

test.run();
