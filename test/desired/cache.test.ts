// A desire cache that remembers nothing (one-shot commands) desires exactly what one that remembers does.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desire } from '../../src/desired/desired.js';
import { DesireCache } from '../../src/desired/cache.js';
import { parseSources } from '../../src/spec/load.js';
import type { Spec } from '../../src/model/spec.js';
import { LoadCache, loadSpec } from '../../src/spec/load.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** One spec's versions, each an edit of the one before; unchanged containers stay the same objects (LoadCache). */
const EDITS = [
  `bridges:\n  br1: {subnet: 10.1.0.0/24, subnet6: "fd00:1::/64"}\n  br2: {subnet: 10.2.0.0/24}\ncontainers:
  web: {bridge: br1, ports: ["8080:80"], links: [db, cache]}
  db: {bridge: br1}
  cache: {networks: {br1: {aliases: [kv]}, br2: {}}}
  side: {network: "container:web"}
  a: {bridge: br2, ports: ["9000:80"]}
  b: {bridge: br2}`,
  // A port.
  'a: {bridge: br2, ports: ["9000:80"]}=>a: {bridge: br2, ports: ["9001:80"]}',
  // The linked container now shares another's namespace: web's files, rules and records follow it.
  'db: {bridge: br1}=>db: {network: "container:cache"}',
  // A hostname (web links to cache: its hosts file names it), then an alias.
  'cache: {networks: {br1: {aliases: [kv]}, br2: {}}}=>cache: {hostname: store, networks: {br1: {aliases: [kv]}, br2: {}}}',
  'aliases: [kv]}=>aliases: [kv, redis]}',
  // A container added before others, then removed; one moved to the other bridge.
  'a: {bridge: br2, ports: ["9001:80"]}=>n: {bridge: br2}\n  a: {bridge: br2, ports: ["9001:80"]}',
  'b: {bridge: br2}=>b: {bridge: br1}',
  'n: {bridge: br2}\n  =>',
  // The last alias goes (every container's files become its own alone), a port, the alias back.
  'aliases: [kv, redis]}=>aliases: []}',
  'b: {bridge: br1}=>b: {bridge: br1, ports: ["7000:70"]}',
  'aliases: []}=>aliases: [kv]}',
  // A host port left to tnet, then named again.
  'ports: ["7000:70"]=>ports: ["70"]',
  'ports: ["70"]=>ports: ["7000:70"]',
  // A container on the host's network (no namespace of its own), a port elsewhere, and back.
  'b: {bridge: br1, ports: ["7000:70"]}=>b: {network: host}',
  '"9001:80"=>"9002:80"',
  'b: {network: host}=>b: {bridge: br1}',
  // The bridge's subnet: every address moves.
  'br2: {subnet: 10.2.0.0/24}=>br2: {subnet: 10.3.0.0/24}',
];

test('remembering across edits: each desired state equals one desired afresh', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tnet-desire-')), 'net.yaml');
  const load = new LoadCache();
  const cache = new DesireCache();
  let text = `version: 1\nname: net\n${EDITS[0]}\n`;
  const hostResolvs = ['nameserver 192.0.2.53\n', 'nameserver 192.0.2.54\n'];
  for (const [i, edit] of EDITS.entries()) {
    if (i > 0) {
      const [from, to] = edit.split('=>');
      assert.ok(text.includes(from), `edit ${i} applies`);
      text = text.replace(from, to);
    }
    writeFileSync(file, text);
    const s = await loadSpec(file, { cache: load, host: 'h' });
    if (!s.ok) throw new Error(`edit ${i}: ${s.errors[0].message}`);
    // The host's resolvers change once, at the last edit (every file follows).
    for (const hostResolv of i === EDITS.length - 1 ? hostResolvs : hostResolvs.slice(0, 1)) {
      const inputs = { spec: s.value, held: { ips: { web: '10.1.0.9' }, hostPorts: {} }, hostResolv, firewall: true };
      const warm = desire(inputs, cache);
      const fresh = desire(inputs, new DesireCache(false));
      assert.equal(warm, fresh, `edit ${i}`);
    }
  }
});

test.run();
