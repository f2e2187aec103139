import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffFirewall, FirewallPlanMemo } from '../../src/plan/diff-firewall.js';
import { desiredFirewall } from '../../src/desired/firewall/rules.js';
import type { FirewallDesired, FirewallObserved, FwTableObserved } from '../../src/model/firewall.js';
import { quickstart } from '../desired/firewall/fw-fixtures.js';
import { applyAll, emptyTable, observedOf } from './fw-sim.js';

const FOREIGN_FWD = '-m comment --comment "has space" -j ACCEPT';
const J_USER = '-m comment --comment tnet -j TNET-USER';
const J_ISO = '-m comment --comment tnet -j TNET-ISOLATION-1';
const J_FWD = '-m comment --comment tnet -j TNET-FORWARD';

/** A host with rules of other tools: a FORWARD rule and a nat chain with a jump into it. */
function foreignHost(): FirewallObserved {
  const filter = emptyTable('filter');
  filter.chains.FORWARD.rules.push(FOREIGN_FWD);
  const nat = emptyTable('nat');
  nat.chains.LIBVIRT_PRT = { policy: null, rules: ['-s 192.168.122.0/24 -j MASQUERADE'] };
  nat.chains.POSTROUTING.rules.push('-j LIBVIRT_PRT');
  return observedOf([filter, nat]);
}

const want = (): FirewallDesired => desiredFirewall(quickstart());
const converge = (d: FirewallDesired, o: FirewallObserved): FirewallObserved => applyAll(o, diffFirewall(d, o));
const table = (o: FirewallObserved, name: string): FwTableObserved => o.tables.find((t) => t.table === name)!;
const edit = (o: FirewallObserved, fn: (filter: FwTableObserved, nat: FwTableObserved) => void): FirewallObserved => {
  const c = JSON.parse(JSON.stringify(o)) as FirewallObserved;
  fn(table(c, 'filter'), table(c, 'nat'));
  return c;
};

test('from a host with foreign rules: chains created, jumps first, foreign rules kept; then a fixed point', () => {
  const host = foreignHost();
  const actions = diffFirewall(want(), host);
  assert.equal(actions.map((a) => a.op), ['fw-update', 'fw-update']);
  const after = applyAll(host, actions);
  assert.equal(table(after, 'filter').chains.FORWARD.rules, [J_USER, J_ISO, J_FWD, FOREIGN_FWD]);
  assert.equal(table(after, 'nat').chains.LIBVIRT_PRT, table(host, 'nat').chains.LIBVIRT_PRT);
  assert.equal(table(after, 'nat').chains.POSTROUTING.rules, ['-j LIBVIRT_PRT', '-m comment --comment tnet -j TNET-POSTROUTING']);
  assert.equal(diffFirewall(want(), after), []);
});

test('no-op when equal', () => {
  const done = converge(want(), foreignHost());
  assert.equal(diffFirewall(want(), done), []);
});

test('a flushed tnet chain is refilled, nothing else', () => {
  const done = converge(want(), foreignHost());
  const drift = edit(done, (f) => (f.chains['TNET-FORWARD'].rules = []));
  const actions = diffFirewall(want(), drift);
  assert.equal(actions, [
    {
      op: 'fw-update',
      table: 'filter',
      update: { createChains: [], replaceChains: { 'TNET-FORWARD': want().tables[0].chains['TNET-FORWARD'] }, deleteChains: [], deleteRules: [], insertRules: [] },
    },
  ]);
  assert.equal(applyAll(drift, actions), done);
});

test('a flushed built-in chain gets its jumps back at the top', () => {
  const done = converge(want(), foreignHost());
  const drift = edit(done, (f) => (f.chains.FORWARD.rules = [FOREIGN_FWD]));
  const actions = diffFirewall(want(), drift);
  assert.equal(actions.length, 1);
  assert.equal(actions[0].op === 'fw-update' && actions[0].update.insertRules.map((r) => r.position), [1, 2, 3]);
  assert.equal(applyAll(drift, actions), done);
});

test('a jump moved below a foreign rule is moved back; jumps above it stay', () => {
  const done = converge(want(), foreignHost());
  const drift = edit(done, (f) => (f.chains.FORWARD.rules = [J_USER, FOREIGN_FWD, J_ISO, J_FWD]));
  const actions = diffFirewall(want(), drift);
  const u = actions[0].op === 'fw-update' ? actions[0].update : null;
  assert.equal(u?.deleteRules.map((r) => r.rule), [J_ISO, J_FWD]);
  assert.equal(u?.insertRules.map((r) => [r.rule, r.position]), [[J_ISO, 2], [J_FWD, 3]]);
  assert.equal(table(applyAll(drift, actions), 'filter').chains.FORWARD.rules, [J_USER, J_ISO, J_FWD, FOREIGN_FWD]);
});

test('a foreign rule inserted on top pushes every jump down: all put back above it', () => {
  const done = converge(want(), foreignHost());
  const drift = edit(done, (f) => f.chains.FORWARD.rules.unshift('-j DROP'));
  const after = applyAll(drift, diffFirewall(want(), drift));
  assert.equal(table(after, 'filter').chains.FORWARD.rules, [J_USER, J_ISO, J_FWD, '-j DROP', FOREIGN_FWD]);
});

test('a duplicated jump and a stale tnet jump are deleted; a nat jump deleted by hand comes back at the end', () => {
  const done = converge(want(), foreignHost());
  const drift = edit(done, (f, n) => {
    f.chains.FORWARD.rules.push(J_FWD, '-m comment --comment tnet -j TNET-OLD');
    f.chains['TNET-OLD'] = { policy: null, rules: ['-m comment --comment "tnet:q" -j DROP'] };
    n.chains.PREROUTING.rules = ['-j FOREIGN'];
  });
  const after = applyAll(drift, diffFirewall(want(), drift));
  assert.equal(table(after, 'filter'), table(done, 'filter'));
  assert.equal(table(after, 'nat').chains.PREROUTING.rules, ['-j FOREIGN', '! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET']);
});

test('a rule of this spec deleted by hand inside a chain: only that rule is put back, in its place', () => {
  const done = converge(want(), foreignHost());
  const drift = edit(done, (_f, n) => n.chains['TNET-POSTROUTING'].rules.shift());
  const actions = diffFirewall(want(), drift);
  const first = done.tables.find((t) => t.table === 'nat')!.chains['TNET-POSTROUTING'].rules[0];
  assert.equal(actions.map((a) => a.op === 'fw-update' && [a.table, a.update.insertRules, Object.keys(a.update.replaceChains)]), [
    ['nat', [{ chain: 'TNET-POSTROUTING', rule: first, position: 1 }], []],
  ]);
  assert.equal(applyAll(drift, actions), done);
});

test('one published port changed among a thousand: one rule out, one in, no chain rewritten', () => {
  const big = (port: number) => {
    const w = want();
    const nat = w.tables.find((t) => t.table === 'nat')!;
    nat.chains.TNET = Array.from({ length: 1000 }, (_, i) => `-p tcp -m tcp --dport ${i === 500 ? port : 10000 + i} -m comment --comment "tnet:q" -j DNAT --to-destination 172.17.${i >> 8}.${i & 255}:80`);
    return w;
  };
  const done = converge(big(10500), foreignHost());
  const actions = diffFirewall(big(40500), done);
  assert.equal(actions.length, 1);
  const u = actions[0].op === 'fw-update' ? actions[0].update : null;
  assert.equal(Object.keys(u!.replaceChains), []);
  assert.equal([u!.deleteRules.length, u!.insertRules.map((r) => r.position)], [1, [501]]);
  assert.equal(applyAll(done, actions), converge(big(40500), foreignHost()));
});

test('an edit reverting one port and changing two far apart, in a thousand: three rules out, three in, in place', () => {
  const big = (changed: number[]) => {
    const w = want();
    w.tables.find((t) => t.table === 'nat')!.chains.TNET = Array.from({ length: 1000 }, (_, i) => `-p tcp -m tcp --dport ${changed.includes(i) ? 40000 + i : 10000 + i} -m comment --comment "tnet:q" -j DNAT --to-destination 172.17.${i >> 8}.${i & 255}:80`);
    return w;
  };
  const done = converge(big([500]), foreignHost());
  const actions = diffFirewall(big([142, 857]), done);
  const u = actions[0].op === 'fw-update' ? actions[0].update : null;
  assert.equal(Object.keys(u!.replaceChains), []);
  assert.equal([u!.deleteRules.length, u!.insertRules.map((r) => r.position)], [3, [143, 501, 858]]);
  assert.equal(applyAll(done, actions), converge(big([142, 857]), foreignHost()));
});

test('rules kept but in another order: the chain is rewritten, not edited', () => {
  const ordered = (rules: string[]) => {
    const w = want();
    w.tables.find((t) => t.table === 'nat')!.chains.TNET = rules;
    return w;
  };
  const rules = Array.from({ length: 20 }, (_, i) => `-p tcp -m tcp --dport ${10000 + i} -m comment --comment "tnet:q" -j DNAT --to-destination 172.17.0.${i + 2}:80`);
  const swapped = [rules[1], rules[0], ...rules.slice(2)];
  const done = converge(ordered(rules), foreignHost());
  const actions = diffFirewall(ordered(swapped), done);
  assert.equal(actions.map((a) => a.op === 'fw-update' && Object.keys(a.update.replaceChains)), [['TNET']]);
  assert.equal(applyAll(done, actions), converge(ordered(swapped), foreignHost()));
});

test('a chain whose rules mostly changed is rewritten whole', () => {
  const big = (base: number) => {
    const w = want();
    w.tables.find((t) => t.table === 'nat')!.chains.TNET = Array.from({ length: 100 }, (_, i) => `-p tcp -m tcp --dport ${base + i} -m comment --comment "tnet:q" -j DNAT --to-destination 172.17.0.${i + 2}:80`);
    return w;
  };
  const done = converge(big(10000), foreignHost());
  const actions = diffFirewall(big(20000), done);
  assert.equal(actions.map((a) => a.op === 'fw-update' && [Object.keys(a.update.replaceChains), a.update.insertRules.length]), [[['TNET'], 0]]);
  assert.equal(applyAll(done, actions), converge(big(20000), foreignHost()));
});

test('TNET-USER is never edited: admin rules stay, an emptied one is not refilled', () => {
  const done = converge(want(), foreignHost());
  const admin = edit(done, (f) => f.chains['TNET-USER'].rules.unshift('-s 10.9.9.9/32 -j DROP'));
  assert.equal(diffFirewall(want(), admin), []);
  const emptied = edit(done, (f) => (f.chains['TNET-USER'].rules = []));
  assert.equal(diffFirewall(want(), emptied), []);
});

test('destroy removes exactly what tnet wrote', () => {
  const host = foreignHost();
  const done = converge(want(), host);
  const destroy: FirewallDesired = { spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] };
  const after = applyAll(done, diffFirewall(destroy, done));
  assert.equal(after, host);
  assert.equal(diffFirewall(destroy, after), []);
});

test('destroy keeps TNET-USER and its jump when the admin put rules in it', () => {
  const done = converge(want(), foreignHost());
  const admin = edit(done, (f) => f.chains['TNET-USER'].rules.unshift('-s 10.9.9.9/32 -j DROP'));
  const after = applyAll(admin, diffFirewall({ spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] }, admin));
  const f = table(after, 'filter');
  assert.equal(f.chains.FORWARD.rules, [J_USER, FOREIGN_FWD]);
  assert.equal(f.chains['TNET-USER'].rules, ['-s 10.9.9.9/32 -j DROP', '-m comment --comment tnet -j RETURN']);
  assert.equal(Object.keys(f.chains).filter((c) => c.startsWith('TNET')), ['TNET-USER']);
  assert.not.ok(table(after, 'nat').chains.TNET);
});

test('two specs share the chains: isolation across them, destroy of one leaves the other converged', () => {
  const r = desiredFirewall({
    spec: 'r', ipMasq: true, containers: [],
    bridges: [{ name: 'br-r', subnet: '10.5.0.0/24', gateway: '10.5.0.1', icc: true, internal: false, external: false, dns: false }],
  });
  const both = converge(r, converge(want(), foreignHost()));
  assert.equal(diffFirewall(want(), both), []);
  assert.equal(diffFirewall(r, both), []);
  assert.equal(table(both, 'filter').chains['TNET-ISOLATION-2'].rules, [
    '-o docker0 -m comment --comment "tnet:q" -j DROP',
    '-o br-r -m comment --comment "tnet:r" -j DROP',
  ]);
  const onlyR = applyAll(both, diffFirewall({ spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] }, both));
  assert.equal(diffFirewall(r, onlyR), []);
  assert.equal(onlyR, converge(r, foreignHost()));
});

test('a changed spec edits only the chains that changed, keeping the other spec\'s rules', () => {
  const r = desiredFirewall({ spec: 'r', ipMasq: false, containers: [], bridges: [{ name: 'br-r', subnet: '10.5.0.0/24', gateway: '10.5.0.1', icc: true, internal: false, external: false, dns: false }] });
  const both = converge(want(), converge(r, foreignHost()));
  const noPorts = desiredFirewall(quickstart({ containers: [] }));
  const actions = diffFirewall(noPorts, both);
  const touched = actions.flatMap((a) =>
    a.op === 'fw-update'
      ? [...Object.keys(a.update.replaceChains), ...a.update.deleteRules.map((r) => r.chain), ...a.update.insertRules.map((r) => r.chain)].map((c) => `${a.table}:${c}`)
      : [],
  );
  assert.equal([...new Set(touched)].sort(), ['filter:TNET-FORWARD', 'nat:TNET', 'nat:TNET-POSTROUTING']);
  const after = applyAll(both, actions);
  assert.equal(diffFirewall(r, after), []);
  assert.equal(diffFirewall(noPorts, after), []);
});

test('with a memo, each diff of a sequence equals the diff made without one', () => {
  const memo = new FirewallPlanMemo();
  const r = desiredFirewall({ spec: 'r', ipMasq: false, containers: [], bridges: [{ name: 'br-r', subnet: '10.5.0.0/24', gateway: '10.5.0.1', icc: true, internal: false, external: false, dns: false }] });
  const host = foreignHost();
  const q = converge(want(), host);
  const both = converge(r, q);
  const noPorts = desiredFirewall(quickstart({ containers: [] }));
  const flushed = edit(q, (filter) => (filter.chains['TNET-FORWARD'].rules = []));
  const steps: [FirewallDesired, FirewallObserved][] = [
    [want(), host], [want(), q], [want(), q], [noPorts, q], [want(), flushed], [want(), q],
    [want(), both], [{ spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] }, both], [r, both], [noPorts, both], [want(), both],
  ];
  for (const [i, [d, o]] of steps.entries()) assert.equal(diffFirewall(d, o, memo), diffFirewall(d, o), `step ${i}`);
  // Not a sequence of empty diffs.
  assert.equal(steps.map(([d, o]) => diffFirewall(d, o, memo).length > 0), [true, false, false, true, true, false, false, true, false, true, false]);
});

test.run();
