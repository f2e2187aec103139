// Rules not as the spec writes them: one deleted by hand, one added with the spec's comment, another tool's
// rule, one `why` cannot evaluate, and a host read without the spec (causes read from the rules' shapes).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { endpointsFromMarks } from '../../src/explain/view.js';
import type { NetView } from '../../src/model/why.js';
import { applied, whyOn, HOST_IP } from './sim.js';

const ICC = `version: 1
host: { icc: false }
containers:
  a: { expose: [80] }
  b: { links: ["a"] }
  c: {}
  p: { ports: ["8080:80"] }
`;

/** The view with one filter chain's rules changed. */
function edit(v: NetView, chain: string, change: (rules: string[]) => string[]): NetView {
  const tables = v.firewall!.tables.map((t) => (t.table !== 'filter' ? t : { ...t, chains: { ...t.chains, [chain]: { ...t.chains[chain], rules: change(t.chains[chain].rules) } } }));
  return { ...v, firewall: { ...v.firewall!, tables } };
}

test('a tnet rule deleted by hand: the verdict flips, and why names the missing rule and what apply restores', () => {
  const v = applied(ICC);
  const icc = '-i docker0 -o docker0 -m comment --comment "tnet:sim" -j DROP';
  assert.ok(v.firewall!.tables[0].chains['TNET-FORWARD'].rules.includes(icc));
  const t = whyOn(edit(v, 'TNET-FORWARD', (r) => r.filter((x) => x !== icc)), 'c', 'a:80');
  assert.is(t.verdict, 'allowed');
  assert.is(t.drift?.afterApply, 'blocked');
  assert.equal(t.drift?.missing.map((s) => [s.chain, s.rule, s.cause?.field]), [['TNET-FORWARD', icc, 'bridges.docker0.icc']]);
  assert.ok(t.advice.some((a) => a.includes('tnet apply puts its rules back, and the packet is then blocked')), t.advice.join('\n'));
  assert.is(whyOn(v, 'c', 'a:80').drift, null, 'no drift where the host is as applied');
});

test('a rule with the spec comment that the spec does not write is named as drift', () => {
  const extra = '-i docker0 -o docker0 -p tcp -m tcp --dport 81 -m comment --comment "tnet:sim" -j ACCEPT';
  const t = whyOn(edit(applied(ICC), 'TNET-FORWARD', (r) => [extra, ...r]), 'c', 'a:81');
  assert.is(t.verdict, 'allowed');
  const step = t.request.find((h) => h.at === 'filter FORWARD')!.rules.at(-1)!;
  assert.equal([step.rule, step.drift], [extra, true]);
  assert.equal(t.drift?.extra.map((s) => s.rule), [extra]);
  assert.is(t.drift?.afterApply, 'blocked');
});

test("another tool's rule decides: named as not tnet's, with the command that removes it", () => {
  const v = applied(ICC);
  const c = v.endpoints.find((e) => e.container === 'c')!.ip;
  const t = whyOn(edit(v, 'TNET-USER', (r) => [`-s ${c}/32 -j DROP`, ...r]), 'c', `${HOST_IP}:8080`);
  assert.is(t.verdict, 'blocked');
  const d = t.request.find((h) => h.outcome === 'drop')!.rules.at(-1)!;
  assert.equal([d.chain, d.owner.kind, d.cause], ['TNET-USER', 'foreign', null]);
  assert.equal(t.advice, [`rule 1 of TNET-USER is not tnet's: remove or change it with iptables (iptables -D TNET-USER -s ${c}/32 -j DROP)`]);
});

test('a policy DROP decides when nothing accepts', () => {
  const v = applied(ICC);
  const [filter, nat] = v.firewall!.tables;
  const dropping = { ...filter, chains: { ...filter.chains, INPUT: { ...filter.chains.INPUT, policy: 'DROP' } } };
  const t = whyOn({ ...v, firewall: { ...v.firewall!, tables: [dropping, nat] } }, 'c', 'host:22');
  assert.is(t.verdict, 'blocked');
  assert.equal(t.request.at(-1)!.rules.at(-1)!.index, 0);
  assert.match(t.advice[0], /INPUT's policy is DROP/);
});

test('a match it cannot evaluate: cannot tell, the rule named, and no guess', () => {
  const t = whyOn(edit(applied(ICC), 'TNET-USER', (r) => ['-m set --match-set blocked src -j DROP', ...r]), 'b', 'a:80');
  assert.is(t.verdict, 'unknown');
  const unsure = t.deciding.find((s) => !s.certain)!;
  assert.equal([unsure.chain, unsure.index, unsure.reason], ['TNET-USER', 1, '-m set --match-set blocked src']);
  assert.match(t.advice[0], /rule 1 of TNET-USER uses what why cannot evaluate \(-m set --match-set blocked src\)/);
});

test('without the spec: containers from the seals, causes from the rules shapes', () => {
  const v = applied(ICC);
  const marks: NetView = { ...v, spec: null, aliases: {}, endpoints: endpointsFromMarks(v.links) };
  const icc = whyOn(marks, 'c', 'a:80');
  assert.is(icc.verdict, 'blocked');
  assert.equal(icc.request.at(-1)!.rules.at(-1)!.cause, { kind: 'icc', field: 'bridges.docker0.icc', bridge: 'docker0' });
  assert.is(icc.drift, null);
  const link = whyOn(marks, 'b', 'a:80');
  assert.equal(link.request.find((h) => h.at === 'filter FORWARD')!.rules.at(-1)!.cause, { kind: 'link', field: 'containers.b.links', bridge: 'docker0', container: 'b', peer: 'a', port: '80/tcp' });
  const pub = whyOn(marks, 'c', `${HOST_IP}:8080`);
  assert.equal(pub.request.find((h) => h.at === 'nat PREROUTING')!.rules.at(-1)!.cause, { kind: 'published', field: 'containers.p.ports', container: 'p', port: '8080:80/tcp' });
});

test.run();
