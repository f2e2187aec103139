// The ip6tables tables in the plan: diffed apart from IPv4's when read, undone and compared like them.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffFirewall } from '../../src/plan/diff-firewall.js';
import { undoPlan } from '../../src/plan/undo.js';
import { residue } from '../../src/plan/residue.js';
import { desiredFirewall } from '../../src/desired/firewall/rules.js';
import type { Action } from '../../src/model/action.js';
import type { FirewallDesired, FirewallObserved, FwTableObserved } from '../../src/model/firewall.js';
import { nginx1, nginx2, quickstart } from '../desired/firewall/fw-fixtures.js';
import { emptyObserved } from '../helpers/fixtures.js';
import { applyAll, emptyTable } from './fw-sim.js';
import { renderPlan } from '../../src/render/plan.js';

const dual = (spec = 'q', over: Parameters<typeof quickstart>[0] = {}): FirewallDesired =>
  desiredFirewall(quickstart({
    spec,
    bridges: [{ ...quickstart().bridges[0], subnet6: 'fd00:17::/64', gateway6: 'fd00:17::1' }],
    containers: [{ ...nginx1, ip6: 'fd00:17::2' }, { ...nginx2, ip6: 'fd00:17::3' }],
    ...over,
  }));
const FOREIGN6 = '-s 2001:db8:99::/48 -j ACCEPT';

/** A host with a foreign ip6tables rule, both families read. */
function host(): FirewallObserved {
  const filter6 = emptyTable('filter');
  filter6.chains.FORWARD.rules.push(FOREIGN6);
  return { backend: 'nf_tables', tables: [emptyTable('filter'), emptyTable('nat')], tables6: [filter6, emptyTable('nat')], sysctls: {} };
}

const converge = (d: FirewallDesired, o: FirewallObserved): FirewallObserved => applyAll(o, diffFirewall(d, o));
const t6 = (o: FirewallObserved, name: string): FwTableObserved => o.tables6!.find((t) => t.table === name)!;
const fwOps = (actions: Action[]) => actions.map((a) => (a.op === 'fw-update' ? `${a.family ?? 4} ${a.table}` : a.op));

test('a dual-stack spec: one update per table of each family, the IPv6 ones marked; then a fixed point', () => {
  const actions = diffFirewall(dual(), host());
  assert.equal(fwOps(actions), ['4 filter', '4 nat', '6 filter', '6 nat']);
  const after = applyAll(host(), actions);
  assert.equal(t6(after, 'filter').chains.FORWARD.rules, [
    '-m comment --comment tnet -j TNET-USER',
    '-m comment --comment tnet -j TNET-ISOLATION-1',
    '-m comment --comment tnet -j TNET-FORWARD',
    FOREIGN6,
  ]);
  assert.equal(t6(after, 'nat').chains.TNET.rules, ['-m comment --comment "tnet:q" -j TNET-DNAT-docker0']);
  assert.equal(t6(after, 'nat').chains['TNET-DNAT-docker0'].rules, ['-p tcp -m tcp --dport 8080 -m comment --comment "tnet:q" -j DNAT --to-destination [fd00:17::2]:80']);
  assert.equal(t6(after, 'nat').chains.PREROUTING.rules, ['! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET']);
  assert.equal(diffFirewall(dual(), after), []);
  assert.equal(renderPlan(actions).split('\n').map((l) => l.split(':')[0]), ['  ~ iptables filter', '  ~ iptables nat', '  ~ ip6tables filter', '  ~ ip6tables nat']);
});

test('IPv6 tables not read: nothing planned for them, whatever the spec wants', () => {
  const unread = { ...host(), tables6: null };
  assert.equal(fwOps(diffFirewall(dual(), unread)), ['4 filter', '4 nat']);
});

test('a rule deleted from an ip6tables chain is put back, in ip6tables only', () => {
  const done = converge(dual(), host());
  const drift = JSON.parse(JSON.stringify(done)) as FirewallObserved;
  t6(drift, 'nat').chains['TNET-DNAT-docker0'].rules = [];
  const actions = diffFirewall(dual(), drift);
  assert.equal(fwOps(actions), ['6 nat']);
  assert.equal(applyAll(drift, actions), done);
});

test('the spec without IPv6 (subnet6 gone, ip6tables false, destroy): its IPv6 rules go, the foreign one stays', () => {
  const done = converge(dual(), host());
  const v4only = desiredFirewall(quickstart());
  const off = dual('q', { ip6tables: false });
  const destroy: FirewallDesired = { spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] };
  for (const d of [v4only, off]) {
    const after = converge(d, done);
    assert.equal(after.tables6, host().tables6, 'IPv6 tables as before tnet');
    assert.equal(after.tables, converge(v4only, host()).tables, 'IPv4 untouched');
  }
  assert.equal(converge(destroy, done), host());
});

test('two dual-stack specs share the IPv6 chains; removing one leaves the other converged', () => {
  const r = desiredFirewall({
    spec: 'r', ipMasq: true, containers: [],
    bridges: [{ name: 'br-r', subnet: '10.5.0.0/24', gateway: '10.5.0.1', icc: true, internal: false, external: false, dns: false, subnet6: 'fd00:5::/64', gateway6: 'fd00:5::1' }],
  });
  const both = converge(r, converge(dual(), host()));
  assert.equal(t6(both, 'filter').chains['TNET-ISOLATION-2'].rules, [
    '-o docker0 -m comment --comment "tnet:q" -j DROP',
    '-o br-r -m comment --comment "tnet:r" -j DROP',
  ]);
  const onlyR = converge({ spec: 'q', tables: [], sysctls: {}, hairpinPorts: [] }, both);
  assert.equal(diffFirewall(r, onlyR), []);
  assert.equal(onlyR, converge(r, host()));
});

test('undo of the IPv6 updates sets ip6tables back as observed; residue names what is left in ip6tables', () => {
  const before = emptyObserved({ firewall: host() });
  const actions = diffFirewall(dual(), host());
  const applied = applyAll(host(), actions);
  const undo = undoPlan(actions, before);
  assert.equal(fwOps(undo.actions), ['6 nat', '6 filter', '4 nat', '4 filter']);
  assert.equal(applyAll(applied, undo.actions), host());
  const left = residue(actions, before, emptyObserved({ firewall: applied }));
  assert.equal(left, [
    "iptables filter: tnet's chains differ from before",
    "iptables nat: tnet's chains differ from before",
    "ip6tables filter: tnet's chains differ from before",
    "ip6tables nat: tnet's chains differ from before",
  ]);
  assert.equal(residue(actions, before, emptyObserved({ firewall: applyAll(applied, undo.actions) })), []);
  // Read before, not after: nothing can be said of it (and nothing made up).
  assert.equal(residue(actions, before, emptyObserved({ firewall: { ...applied, tables6: null } })).length, 2);
});

test.run();
