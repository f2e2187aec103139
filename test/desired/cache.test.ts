// A desire cache that remembers nothing (one-shot commands) desires exactly what one that remembers does.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desire } from '../../src/desired/desired.js';
import { DesireCache } from '../../src/desired/cache.js';
import { parseSources } from '../../src/spec/load.js';
import type { Spec } from '../../src/model/spec.js';

function spec(yaml: string): Spec {
  const r = parseSources([{ file: 'net.yaml', text: `version: 1\nname: net\n${yaml}` }], 'net');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.value;
}

const SPEC = spec(`bridges:
  br1: {subnet: 10.1.0.0/24, subnet6: "fd00:1::/64"}
  br2: {subnet: 10.2.0.0/24}
containers:
  web: {bridge: br1, ports: ["8080:80", "53/udp"], links: [db]}
  db: {networks: {br1: {aliases: [store]}, br2: {}}, expose: [5432], publishAll: true}
  side: {network: "container:web"}
`);

function desired(cache: DesireCache) {
  const d = desire({ spec: SPEC, held: { ips: { web: '10.1.0.9' }, hostPorts: {} }, hostResolv: 'nameserver 192.0.2.53\n', firewall: true }, cache);
  if (!d.ok) throw new Error(d.errors[0].message);
  return d.value;
}

test('remembering nothing: the same desired state, again and again', () => {
  const remembering = new DesireCache();
  const forgetting = new DesireCache(false);
  assert.is(forgetting.remembers, false);
  const expected = desired(remembering);
  assert.equal(desired(forgetting), expected);
  assert.equal(desired(forgetting), desired(remembering));
});

test('remembering nothing: no endpoint nor firewall entry is shared between two desires', () => {
  const forgetting = new DesireCache(false);
  const [a, b] = [desired(forgetting), desired(forgetting)];
  assert.ok(a.endpoints[0] !== b.endpoints[0]);
  const remembering = new DesireCache();
  const [c, d] = [desired(remembering), desired(remembering)];
  assert.ok(c.endpoints[0] === d.endpoints[0]);
});

test.run();
