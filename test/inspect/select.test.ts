// Picking objects by name and a container's ports: unknown names and unpublished ports are error values with exit 1.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, exitCodeOf } from '../../src/model/errors.js';
import { joinedObjects } from '../../src/inspect/joined.js';
import { parsePrivate, portsOf, selectObjects } from '../../src/inspect/select.js';
import { converged, desiredOf, spec } from './fixture.js';

const s = spec();
const d = desiredOf(s);
const all = joinedObjects({ spec: s, desired: d, observed: converged(d), actions: [], line: (a) => a.op });

test('names pick every object of that name in the order given; unknown ones are errors, the others still shown', () => {
  assert.equal(selectObjects(all, []).objects.map((o) => o.name), ['br6', 'web', 'db', 'side', 'tools']);
  const r = selectObjects(all, ['db', 'nope', 'br6', 'db']);
  assert.equal(r.objects.map((o) => `${o.kind}:${o.name}`), ['container:db', 'bridge:br6'], 'a name given twice is shown once');
  assert.equal(r.errors.map((e) => e.code), ['no-such-object']);
  assert.match(r.errors[0].message, /'nope'/);
  assert.is(exitCodeOf(r.errors), EXIT.failed);
});

test('private ports: 80 is 80/tcp; a proto other than tcp, udp, sctp or a port out of range is none', () => {
  assert.equal(parsePrivate('80'), { port: 80, proto: 'tcp' });
  assert.equal(parsePrivate('53/UDP'), { port: 53, proto: 'udp' });
  for (const bad of ['0', '65536', '80/icmp', 'http', '80/', '']) assert.is(parsePrivate(bad), null, bad);
});

test('ports of a container: all, or those of one private port (both host ports of 80/tcp)', () => {
  const every = portsOf(all, 'web', null);
  assert.ok(every.ok);
  if (every.ok) assert.is(every.value.length, 7, 'both families on the dual-stack bridge, and the one on 127.0.0.1');
  const eighty = portsOf(all, 'web', { port: 80, proto: 'tcp' });
  assert.ok(eighty.ok);
  if (eighty.ok) assert.equal(eighty.value.map((p) => `${p.hostIp} ${p.hostPort}`), ['0.0.0.0 8080', '0.0.0.0 32768', ':: 8080', ':: 32768']);
  const none = portsOf(all, 'db', null);
  assert.equal(none, { ok: true, value: [] }, 'a container publishing nothing: no line, no error, as docker port');
});

test('an unpublished port and an unknown container are errors naming them, exit 1', () => {
  const r = portsOf(all, 'web', { port: 81, proto: 'tcp' });
  assert.ok(!r.ok);
  if (r.ok) return;
  assert.is(r.errors[0].code, 'no-public-port');
  assert.is(r.errors[0].message, "no public port '81/tcp' published for web");
  assert.match(r.errors[0].hint ?? '', /80\/tcp, 90\/tcp, 91\/udp/);
  assert.is(exitCodeOf(r.errors), EXIT.failed);
  const u = portsOf(all, 'ghost', null);
  assert.ok(!u.ok && u.errors[0].code === 'no-such-object' && /'ghost'/.test(u.errors[0].message));
  const b = portsOf(all, 'br6', null);
  assert.ok(!b.ok && /'br6' is a bridge, not a container/.test(b.errors[0].message));
});

test.run();
