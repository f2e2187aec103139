// Host veth names: distinct, clear of every interface of the host, kept once made, the same on every apply.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostIfNames, type HeldLinks } from '../../src/desired/veth-names.js';
import { heldLinks } from '../../src/desired/held.js';
import { desire } from '../../src/desired/desired.js';
import { DesireCache } from '../../src/desired/cache.js';
import { plan } from '../../src/plan/plan.js';
import { checkHost } from '../../src/plan/check-host.js';
import { linksByName } from '../../src/plan/links-by-name.js';
import { hostIfName, mark } from '../../src/ownership/marks.js';
import { parseSources } from '../../src/spec/load.js';
import type { Spec } from '../../src/model/spec.js';
import type { ObservedLink } from '../../src/model/observed.js';
import { emptyObserved, link } from '../helpers/fixtures.js';

function spec(yaml: string): Spec {
  const r = parseSources([{ file: 'net.yaml', text: `version: 1\nname: net\n${yaml}` }], 'net');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.value;
}

const NONE: HeldLinks = { own: {}, names: [] };
const PAIR = spec('bridges:\n  br1: {subnet: 10.1.0.0/24}\ncontainers:\n  c2754: {}\n  c468: {}\n');
const H0 = hostIfName('net', 'c2754', 'br1');

/** The host ends a plan would leave: a veth marked for each endpoint, by the names given. */
const madeBy = (names: Record<string, string>): ObservedLink[] =>
  Object.entries(names).map(([key, name]) => link({ name, kind: 'veth', alias: mark('net', 'veth', key) }));

test('the colliding pair net/c2754/br1 and net/c468/br1: the first in key order keeps today\'s name, the other the next candidate', () => {
  assert.is(H0, 'veth30f697f');
  assert.is(hostIfName('net', 'c468', 'br1'), H0, 'the two share their first candidate');
  assert.equal(hostIfNames(PAIR, NONE), { c2754: H0, c468: hostIfName('net', 'c468', 'br1', 1) });
  assert.is.not(hostIfName('net', 'c468', 'br1', 1), H0);
});

test('the first candidate is today\'s name: endpoints an earlier version made keep theirs', () => {
  const s = spec('containers:\n  web: {}\n');
  assert.equal(hostIfNames(s, NONE), { web: hostIfName('net', 'web', 'docker0') });
  // What the README's example plan shows for the quickstart.
  assert.is(hostIfName('quickstart', 'nginx-1', 'docker0'), 'veth6942480');
});

test('a foreign interface holding the first candidate is skipped, and so is one holding the second', () => {
  const s = spec('containers:\n  web: {}\n');
  const [h0, h1, h2] = [0, 1, 2].map((i) => hostIfName('net', 'web', 'docker0', i));
  assert.is(hostIfNames(s, { own: {}, names: ['eth0', h0] }).web, h1);
  assert.is(hostIfNames(s, { own: {}, names: [h1, h0] }).web, h2);
  // Another spec's end counts as foreign too.
  const theirs = link({ name: h0, kind: 'veth', alias: 'tnet:other/veth/web' });
  assert.is(hostIfNames(s, heldLinks('net', [theirs])).web, h1);
});

test('an end the spec already made keeps its name, whatever it is; new endpoints avoid it', () => {
  const kept = { c468: H0 };
  assert.equal(hostIfNames(PAIR, heldLinks('net', madeBy(kept))), { c468: H0, c2754: hostIfName('net', 'c2754', 'br1', 1) });
  assert.equal(hostIfNames(PAIR, heldLinks('net', madeBy({ c2754: 'vethcustom' }))).c2754, 'vethcustom');
});

test('names the spec gives links are never given to an endpoint, nor kept by one', () => {
  const s = spec(`bridges:\n  ${H0}: {subnet: 10.1.0.0/24}\ncontainers:\n  c2754: {}\n  other: {}\n`);
  const clash = hostIfName('net', 'c2754', H0);
  // `other`'s end sits where a bridge is now declared: it moves.
  const held = heldLinks('net', madeBy({ other: H0 }));
  const names = hostIfNames(s, held);
  assert.is.not(names.other, H0);
  assert.is(names.c2754, clash);
  assert.ok(!Object.values(names).includes(H0));
});

test('the same names whatever order the spec lists its containers and the host its links', () => {
  const reversed = spec('bridges:\n  br1: {subnet: 10.1.0.0/24}\ncontainers:\n  c468: {}\n  c2754: {}\n');
  assert.equal(hostIfNames(reversed, NONE), hostIfNames(PAIR, NONE));
  const foreign = [link({ name: 'eth0' }), link({ name: H0, kind: 'dummy' }), link({ name: 'lo' })];
  assert.equal(hostIfNames(reversed, heldLinks('net', [...foreign].reverse())), hostIfNames(PAIR, heldLinks('net', foreign)));
});

test('a second apply, finding every end where the first made it, gives every endpoint the same name', () => {
  const s = spec('bridges:\n  br1: {subnet: 10.1.0.0/24}\ncontainers:\n  c2754: {}\n  c468: {}\n  c3: {}\n  multi: {networks: {br1: {}, docker0: {}}}\n');
  const foreign = [link({ name: hostIfName('net', 'c3', 'br1'), kind: 'dummy' })];
  const first = hostIfNames(s, heldLinks('net', foreign));
  assert.is(new Set(Object.values(first)).size, 5, 'all distinct');
  const after = [...foreign, ...madeBy(first)];
  assert.equal(hostIfNames(s, heldLinks('net', after)), first);
  assert.equal(hostIfNames(s, heldLinks('net', [...after].reverse())), first);
  // A container removed later leaves the others their names, even the one that had to take a second candidate.
  const fewer = spec('bridges:\n  br1: {subnet: 10.1.0.0/24}\ncontainers:\n  c468: {}\n');
  assert.equal(hostIfNames(fewer, heldLinks('net', after)), { c468: first.c468 });
});

test('heldLinks: only veth ends marked by the spec are its own; two for one endpoint keep the first name', () => {
  const links = [
    link({ name: 'vethb', kind: 'veth', alias: 'tnet:net/veth/a@10.1.0.2/24@netns@12345678' }),
    link({ name: 'vetha', kind: 'veth', alias: 'tnet:net/veth/a' }),
    link({ name: 'vethc', kind: 'veth', alias: 'tnet:other/veth/c' }),
    link({ name: 'br1', kind: 'bridge', alias: 'tnet:net/bridge/br1' }),
    link({ name: 'eth0' }),
  ];
  assert.equal(heldLinks('net', links), { own: { a: 'vetha' }, names: ['vethb', 'vetha', 'vethc', 'br1', 'eth0'] });
});

test('desire: endpoints and the firewall\'s hairpin ports take the names given; a cached endpoint does not keep a stale one', () => {
  const s = spec('bridges:\n  br1: {subnet: 10.1.0.0/24}\ncontainers:\n  c2754: {ports: ["8080:80"]}\n  c468: {}\n');
  const cache = new DesireCache();
  const run = (links: ObservedLink[]) => {
    const d = desire({ spec: s, held: { ips: {}, hostPorts: {}, links: heldLinks('net', links) }, hostResolv: '', firewall: true }, cache);
    if (!d.ok) throw new Error(d.errors[0].message);
    return d.value;
  };
  const first = run([]);
  assert.equal(first.endpoints.map((e) => e.hostIf), [H0, hostIfName('net', 'c468', 'br1', 1)]);
  assert.equal(first.firewall!.hairpinPorts, [H0]);
  // The host now holds c2754's first candidate, and c468 made its end there earlier (by hand, say).
  const second = run(madeBy({ c468: H0 }));
  assert.equal(second.endpoints.map((e) => e.hostIf), [hostIfName('net', 'c2754', 'br1', 1), H0]);
  assert.equal(second.firewall!.hairpinPorts, [hostIfName('net', 'c2754', 'br1', 1)]);
});

test('plan: a foreign interface on a first candidate is neither refused nor touched', () => {
  const s = spec('containers:\n  web: {}\n');
  const h0 = hostIfName('net', 'web', 'docker0');
  const foreign = link({ name: h0, kind: 'dummy' });
  const d = desire({ spec: s, held: { ips: {}, hostPorts: {}, links: heldLinks('net', [foreign]) }, hostResolv: '', firewall: false });
  if (!d.ok) throw new Error(d.errors[0].message);
  const p = plan(d.value, emptyObserved({ links: [foreign] }));
  assert.ok(p.ok, p.ok ? '' : p.errors[0].message);
  if (!p.ok) return;
  const touched = p.value.flatMap((a) => ('dev' in a ? [a.dev] : a.op === 'veth-add' ? [a.hostIf] : []));
  assert.not.ok(touched.includes(h0), 'the dummy is left alone');
  assert.ok(p.value.some((a) => a.op === 'veth-add' && a.hostIf === hostIfName('net', 'web', 'docker0', 1)));
});

test('plan: an end of this spec marked for another endpoint, where an endpoint is to go, is refused', () => {
  const s = spec('containers:\n  web: {}\n');
  const d = desire({ spec: s, held: { ips: {}, hostPorts: {} }, hostResolv: '', firewall: false });
  if (!d.ok) throw new Error(d.errors[0].message);
  const o = emptyObserved({ links: madeBy({ db: d.value.endpoints[0].hostIf }) });
  const errors = checkHost(d.value, o, linksByName(o));
  assert.is(errors.length, 1);
  assert.is(errors[0].code, 'conflict');
  assert.match(errors[0].message, /as veth db of this spec, not as the veth of web/);
  const own = emptyObserved({ links: madeBy({ web: d.value.endpoints[0].hostIf }) });
  assert.is(checkHost(d.value, own, linksByName(own)).length, 0, 'its own end is no conflict');
});

test.run();
