// The per-port rules in chains of their bridge: an edit touches one bridge's chains, the layout of a version
// that kept them in the shared chains is moved in one update per table, and the undo gives it back.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffFirewall } from '../../src/plan/diff-firewall.js';
import { inverseUpdate } from '../../src/plan/undo.js';
import { desiredFirewall } from '../../src/desired/firewall/rules.js';
import type { FwContainer } from '../../src/desired/firewall/input.js';
import type { Action } from '../../src/model/action.js';
import type { FirewallDesired, FirewallObserved, FwTableObserved } from '../../src/model/firewall.js';
import { parseBridgeChain } from '../../src/ownership/chains.js';
import { quickstart } from '../desired/firewall/fw-fixtures.js';
import { applyAll, applyUpdate, emptyTable, observedOf } from './fw-sim.js';

const BRIDGES = ['br-a', 'br-b'].map((name, i) => ({ name, subnet: `10.${i + 1}.0.0/16`, gateway: `10.${i + 1}.0.1`, icc: true, internal: false, external: false, dns: false }));

/** 300 containers on each of two bridges, each publishing one port; `moved` takes another host port. */
function containersOf(moved: number | null = null): FwContainer[] {
  const out: FwContainer[] = [];
  for (let b = 0; b < 2; b++) {
    for (let i = 0; i < 300; i++) {
      const n = b * 300 + i;
      out.push({
        name: `c${String(n).padStart(4, '0')}`, bridge: BRIDGES[b].name, ip: `10.${b + 1}.${i >> 8}.${(i & 255) + 2}`, hostIf: `veth${n}`,
        ports: [{ hostIp: null, hostPort: n === moved ? 40000 + n : 20000 + n, containerPort: 80, proto: 'tcp' }], expose: [], links: [],
      });
    }
  }
  return out;
}

const many = (moved: number | null = null): FirewallDesired => desiredFirewall(quickstart({ bridges: BRIDGES, containers: containersOf(moved) }));

const host = (): FirewallObserved => observedOf([emptyTable('filter'), emptyTable('nat')]);
const converge = (d: FirewallDesired, o: FirewallObserved): FirewallObserved => applyAll(o, diffFirewall(d, o));
const updates = (actions: Action[]) => actions.flatMap((a) => (a.op === 'fw-update' ? [a] : []));
const touched = (actions: Action[]): string[] =>
  [...new Set(updates(actions).flatMap((a) => {
    const u = a.update;
    return [...u.createChains, ...Object.keys(u.replaceChains), ...u.deleteChains, ...u.deleteRules.map((r) => r.chain), ...u.insertRules.map((r) => r.chain)].map((c) => `${a.table}:${c}`);
  }))].sort();

/** The layout before per-bridge chains: every jump into a bridge's chain replaced by the chain's rules. */
function inlined(o: FirewallObserved): FirewallObserved {
  const table = (t: FwTableObserved): FwTableObserved => {
    const chains = Object.fromEntries(Object.entries(t.chains).filter(([n]) => parseBridgeChain(n) === null));
    for (const c of Object.values(chains)) {
      c.rules = c.rules.flatMap((r) => {
        const target = / -j (\S+)$/.exec(r)?.[1];
        return target && parseBridgeChain(target) ? t.chains[target].rules : [r];
      });
    }
    return { ...t, chains };
  };
  return { ...o, tables: (JSON.parse(JSON.stringify(o.tables)) as FwTableObserved[]).map(table) };
}

test('a host port edited among 600 containers: one rule out and one in, in its bridge\'s DNAT chain only', () => {
  const done = converge(many(), host());
  assert.is(done.tables.find((t) => t.table === 'nat')!.chains.TNET.rules.length, 2, 'one jump per bridge');
  const actions = diffFirewall(many(450), done);
  assert.equal(touched(actions), ['nat:TNET-DNAT-br-b']);
  const u = updates(actions)[0].update;
  assert.equal([u.deleteRules.length, u.insertRules.map((r) => r.position)], [1, [151]]);
  assert.equal(applyAll(done, actions), converge(many(450), host()));
});

test('a container port edited: its bridge\'s DNAT, accept and masquerade chains, nothing shared', () => {
  const done = converge(many(), host());
  const edited = desiredFirewall(quickstart({
    bridges: BRIDGES,
    containers: containersOf().map((c) => (c.name === 'c0007' ? { ...c, ports: [{ ...c.ports[0], containerPort: 81 }] } : c)),
  }));
  const actions = diffFirewall(edited, done);
  assert.equal(touched(actions), ['filter:TNET-PORTS-br-a', 'nat:TNET-DNAT-br-a', 'nat:TNET-HAIRPIN-br-a']);
  assert.equal(applyAll(done, actions), converge(edited, host()));
});

test('the layout of the previous version: moved into the bridges\' chains in one update per table, undone exactly', () => {
  const done = converge(many(), host());
  const old = inlined(done);
  assert.is(old.tables.find((t) => t.table === 'nat')!.chains.TNET.rules.length, 600, 'the DNATs in TNET itself');
  const actions = diffFirewall(many(), old);
  assert.equal(updates(actions).map((a) => a.table), ['filter', 'nat']);
  assert.equal(applyAll(old, actions), done);
  assert.equal(diffFirewall(many(), done), []);
  for (const a of updates(actions)) {
    const before = old.tables.find((t) => t.table === a.table)!;
    assert.equal(applyUpdate(applyUpdate(before, a.update), inverseUpdate(a.update, before)), before, `${a.table} undone`);
  }
});

test('destroy with another spec present: the bridges\' chains go with the spec, the shared chains stay', () => {
  const r = desiredFirewall({ ...quickstart({ containers: [] }), spec: 'r', bridges: [{ ...BRIDGES[0], name: 'br-r', subnet: '10.9.0.0/16', gateway: '10.9.0.1' }] });
  const onlyR = converge(r, host());
  const both = converge(many(), onlyR);
  const destroy: FirewallDesired = { spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] };
  const actions = diffFirewall(destroy, both);
  const deleted = updates(actions).flatMap((a) => a.update.deleteChains.map((c) => `${a.table}:${c}`)).sort();
  assert.equal(deleted, ['filter:TNET-PORTS-br-a', 'filter:TNET-PORTS-br-b', 'nat:TNET-DNAT-br-a', 'nat:TNET-DNAT-br-b', 'nat:TNET-HAIRPIN-br-a', 'nat:TNET-HAIRPIN-br-b']);
  assert.equal(applyAll(both, actions), onlyR);
});

test('a bridge\'s chain with a rule of another tool, or a jump of another tool to it, is not deleted', () => {
  const done = converge(many(), host());
  const foreign = JSON.parse(JSON.stringify(done)) as FirewallObserved;
  foreign.tables.find((t) => t.table === 'nat')!.chains['TNET-DNAT-br-a'].rules.push('-p tcp -m tcp --dport 1 -j DNAT --to-destination 10.1.0.9:1');
  const destroy: FirewallDesired = { spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] };
  const after = applyAll(foreign, diffFirewall(destroy, foreign));
  assert.equal(after.tables.find((t) => t.table === 'nat')!.chains['TNET-DNAT-br-a'].rules, ['-p tcp -m tcp --dport 1 -j DNAT --to-destination 10.1.0.9:1']);
});

test.run();
