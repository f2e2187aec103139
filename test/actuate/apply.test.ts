// applyPlan's link backends: the first one that is not unavailable configures the namespaces.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Action, SealAction } from '../../src/model/action.js';
import type { LinkBackend } from '../../src/model/backends.js';
import { tnetError, type TnetError } from '../../src/model/errors.js';
import { applyPlan, toPhases } from '../../src/actuate/apply.js';

type Call = { backend: string; jobs: [string, string[]][]; seals: string[] };

/** A backend that records what it was given and answers `answer`. */
function backend(name: LinkBackend['name'], answer: TnetError[] | 'unavailable', calls: Call[]): LinkBackend {
  return {
    name,
    configure: async (jobs, seals: SealAction[]) => {
      calls.push({ backend: name, jobs: [...jobs].map(([ns, actions]) => [ns, actions.map((a) => a.op)]), seals: seals.map((s) => s.dev) });
      return answer;
    },
  };
}

// Only actions inside namespaces and seals: no host batch, no file, no firewall, so nothing here starts a process.
const PLAN: Action[] = [
  { op: 'addr-add', ns: 'a', dev: 'eth0', cidr: '172.17.0.2/16' },
  { op: 'route-replace', ns: 'a', dst: 'default', via: '172.17.0.1', dev: 'eth0' },
  { op: 'link-seal', dev: 'veth1234567', alias: 'tnet:q/veth/a@172.17.0.2/16@netns@0badcafe', netns: 'a' },
];

test('the first backend that is not unavailable serves; the others are not asked', async () => {
  const calls: Call[] = [];
  const { errors } = await applyPlan(PLAN, null, [backend('netlink', 'unavailable', calls), backend('ip', [], calls), backend('ip', [], calls)]);
  assert.equal(errors, []);
  assert.equal(calls, [
    { backend: 'netlink', jobs: [['a', ['addr-add', 'route-replace']]], seals: ['veth1234567'] },
    { backend: 'ip', jobs: [['a', ['addr-add', 'route-replace']]], seals: ['veth1234567'] },
  ]);
});

test("a serving backend's errors are the plan's, with no fallback", async () => {
  const calls: Call[] = [];
  const failed = [tnetError('kernel', 'configuring namespace a failed')];
  assert.equal((await applyPlan(PLAN, null, [backend('netlink', failed, calls), backend('ip', [], calls)])).errors, failed);
  assert.equal(calls.map((c) => c.backend), ['netlink']);
});

test('no backend able to serve is an error, not a silent success', async () => {
  const { errors } = await applyPlan(PLAN, null, [backend('netlink', 'unavailable', [])]);
  assert.is(errors.length, 1);
  assert.match(errors[0].message, /tried: netlink/);
});

test('a plan with nothing inside namespaces asks no backend', async () => {
  const calls: Call[] = [];
  assert.equal((await applyPlan([], null, [backend('netlink', [], calls)])).errors, []);
  assert.equal(calls, []);
});

const named = (actions: readonly Action[]) => actions.map((a) => `${a.op} ${'name' in a ? a.name : 'dev' in a ? a.dev : ''}`);

test('removals come last, veths to reap before their namespaces; a name made again is freed first', () => {
  const p = toPhases([
    { op: 'netns-del', name: 'a' },
    { op: 'netns-del', name: 'b' },
    { op: 'netns-add', name: 'b' },
    { op: 'link-reap', dev: 'veth1111111', netns: 'a' },
    { op: 'link-del', ns: null, dev: 'br-x' },
    { op: 'dir-remove', path: '/etc/netns/a' },
  ]);
  assert.equal(named(p.teardown), ['netns-del b']);
  assert.equal(named(p.netnsAdd), ['netns-add b']);
  assert.equal(named(p.prune), ['link-reap veth1111111', 'link-del br-x', 'netns-del a']);
  assert.equal(p.pruneDirs.length, 1);
});

const RULES: Action = {
  op: 'fw-update', table: 'filter',
  update: { createChains: ['TNET-FORWARD'], replaceChains: {}, deleteChains: [], deleteRules: [], insertRules: [] },
};

test('the rules go in before the insides; a failure there stops the apply before any namespace is entered', async () => {
  const calls: Call[] = [];
  const order: string[] = [];
  const failing = { apply: async () => (order.push('rules'), [tnetError('firewall', 'iptables-restore failed')]) };
  const r = await applyPlan([...PLAN, RULES], failing, [backend('netlink', [], calls)]);
  assert.equal(r.errors.map((e) => e.code), ['firewall']);
  assert.equal(calls, [], 'no namespace entered');
  assert.equal(r.attempted.map((a) => a.op), ['fw-update'], 'only what started is for the undo to set back');
  const fine = { apply: async () => (order.push('rules'), []) };
  const linked: LinkBackend = { name: 'netlink', configure: async () => (order.push('insides'), []) };
  assert.equal((await applyPlan([...PLAN, RULES], fine, [linked])).errors, []);
  assert.equal(order, ['rules', 'rules', 'insides']);
});

test('the check may read the host before the insides, unless a seal is set or a link deleted in there', async () => {
  const inside = PLAN.filter((a) => a.op !== 'link-seal');
  const told = async (plan: Action[]) => {
    const order: string[] = [];
    const linked: LinkBackend = { name: 'netlink', configure: async () => (order.push('insides'), []) };
    const { errors } = await applyPlan(plan, null, [linked], { onSettled: (part) => order.push(`settled ${part}`) });
    assert.equal(errors, []);
    return order;
  };
  assert.equal(await told(inside), ['settled host', 'insides']);
  assert.equal(await told(PLAN), ['insides', 'settled host'], 'a seal is an alias on a host veth');
  assert.equal(await told([...inside, { op: 'link-del', ns: 'a', dev: 'eth1' }]), ['insides', 'settled host'], "a veth's host end goes with it");
});

test('an apply that fails tells the check nothing: it is not checked', async () => {
  const told: string[] = [];
  const failing: LinkBackend = { name: 'netlink', configure: async () => [tnetError('kernel', 'configuring namespace a failed')] };
  const { errors } = await applyPlan(PLAN, null, [failing], { onSettled: (part) => told.push(part) });
  assert.is(errors.length, 1);
  assert.equal(told, []);
});

test.run();
