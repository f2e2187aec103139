import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { plan } from '../../src/plan/plan.js';
import type { Action } from '../../src/model/action.js';
import type { DesiredEndpoint, DesiredState } from '../../src/model/desired.js';
import { desired, emptyObserved, link, netns } from '../helpers/fixtures.js';
import { REAP_GROUP } from '../../src/ownership/marks.js';
import { PlanMemo } from '../../src/plan/memo.js';

const bridge = { name: 'docker0', owned: true, mark: 'tnet:q/bridge/docker0', mac: '02:42:ac:11:00:01', mtu: 1500, address: '172.17.0.1/16', subnet: '172.17.0.0/16', uplink: null };
const ep: DesiredEndpoint = {
  container: 'a', netns: 'a', hostIf: 'veth1234567', ifname: 'eth0', bridge: 'docker0', address: '172.17.0.2/16',
  gateway: '172.17.0.1', mac: '02:42:ac:11:00:02', mtu: 1500, mark: 'tnet:q/veth/a', defaultRoute: true,
  seal: 'tnet:q/veth/a@172.17.0.2/16@netns@0badcafe',
};
const want: DesiredState = desired({
  bridges: [bridge],
  netns: [{ name: 'a', kind: 'created', mark: 'tnet:q/netns/a' }],
  endpoints: [ep],
});

/** The kernel exactly as `want` describes it. */
function converged() {
  return emptyObserved({
    links: [
      link({ name: 'docker0', ifindex: 2, kind: 'bridge', mac: bridge.mac, alias: bridge.mark, addrs: ['172.17.0.1/16'] }),
      link({ name: 'veth1234567', ifindex: 3, kind: 'veth', master: 'docker0', alias: ep.seal, peerIfindex: 2, peerNetnsId: 0, hairpin: false }),
    ],
    netns: {
      a: netns({
        name: 'a', mark: 'tnet:q/netns/a',
        links: [link({ name: 'lo', ifindex: 1 }), link({ name: 'eth0', ifindex: 2, kind: 'veth', mac: ep.mac, peerIfindex: 3, addrs: ['172.17.0.2/16'] })],
        routes: [{ dst: 'default', gateway: '172.17.0.1', dev: 'eth0', protocol: 'boot' }],
      }),
    },
  });
}

const ops = (r: ReturnType<typeof plan>): string[] => (r.ok ? r.value.map((a: Action) => a.op) : r.errors.map((e) => `error:${e.code}`));

test('from an empty host: namespace, bridge, veth, addresses and route, in that order', () => {
  const r = plan(want, emptyObserved());
  assert.equal(ops(r), ['netns-add', 'netns-mark', 'bridge-add', 'addr-add', 'link-set', 'veth-add', 'link-set', 'link-set', 'addr-add', 'route-replace']);
  // Made with its namespace: sealed as it is made, its namespace's intent standing guard until the apply is through.
  const veth = r.ok ? r.value.find((a) => a.op === 'veth-add') : undefined;
  assert.is(veth?.op === 'veth-add' && veth.mark, ep.seal);
});

test('an intent left by an apply that did not get through: the namespace is marked again, so that it is dropped', () => {
  const o = converged();
  o.intents = { a: 'tnet:q/netns/a' };
  assert.equal(ops(plan(want, o)), ['netns-mark']);
  o.netns.a = { ...o.netns.a, read: false };
  assert.equal(ops(plan(want, o)), [], 'a namespace not entered is not marked blind');
});

test('a converged host plans nothing', () => {
  assert.equal(ops(plan(want, converged())), []);
});

test('a host veth deleted by hand is recreated with everything inside', () => {
  const o = converged();
  o.links = o.links.filter((l) => l.name !== 'veth1234567');
  o.netns.a.links = o.netns.a.links.filter((l) => l.name !== 'eth0');
  assert.equal(ops(plan(want, o)), ['veth-add', 'link-set', 'link-set', 'addr-add', 'route-replace', 'link-seal']);
});

test('a host veth that lost its mark: its eth0 inside is named in the way, and nothing is planned', () => {
  const o = converged();
  o.links = o.links.map((l) => (l.name === 'veth1234567' ? link({ ...l, alias: 'x' }) : l));
  // Naming gives the endpoint another host name, which no interface holds (desired/veth-names.ts).
  const moved = { ...want, endpoints: [{ ...ep, hostIf: 'veth7654321' }] };
  const r = plan(moved, o);
  assert.not.ok(r.ok);
  if (r.ok) return;
  const e = r.errors.find((x) => x.message.startsWith('namespace a already has eth0'));
  assert.ok(e, r.errors.map((x) => x.message).join('\n'));
  assert.is(e.code, 'conflict');
  assert.match(e.message, /the peer of host interface veth1234567 \(alias "x"\)/);
  assert.is(e.path, 'containers.a');
});

test('a namespace not entered (a seal vouched for it) has nothing of its inside in the way', () => {
  const o = converged();
  o.links = o.links.filter((l) => l.name !== 'veth1234567');
  // Not entered: a seal vouched for it, so nothing of its inside is known, or in the way.
  o.netns.a = { ...o.netns.a, read: false };
  assert.ok(plan(want, o).ok);
});

test('drift inside the namespace: a lost address and default route come back, nothing else', () => {
  const o = converged();
  o.netns.a.links[1].addrs = [];
  o.netns.a.routes = [];
  assert.equal(ops(plan(want, o)), ['addr-add', 'route-replace']);
});

test('a namespace vouched for by its seal is not read, and plans nothing inside', () => {
  const o = converged();
  o.netns.a = { ...o.netns.a, read: false, links: [], routes: [] };
  assert.equal(ops(plan(want, o)), []);
  o.links[1] = { ...o.links[1], up: false };
  assert.equal(ops(plan(want, o)), ['link-set'], 'the host side is still checked');
});

test('an endpoint whose seal is missing or stale is configured inside, then sealed', () => {
  const o = converged();
  o.links[1] = { ...o.links[1], alias: ep.mark };
  assert.equal(ops(plan(want, o)), ['link-seal'], 'inside already right: only the seal');
  o.netns.a.links[1].addrs = ['172.17.0.9/16'];
  assert.equal(ops(plan(want, o)), ['addr-del', 'addr-add', 'route-replace', 'link-seal']);
});

test('a container removed from the spec: its namespace goes and takes its veth along; files go; foreign objects stay', () => {
  const o = converged();
  o.links.push(link({ name: 'foreign0', kind: 'bridge' }), link({ name: 'vethforeign', kind: 'veth', alias: 'tnet:other/veth/x' }));
  o.netns.keep = netns({ name: 'keep', mark: null });
  o.fileDirs = ['/etc/netns/a', '/etc/netns/keep'];
  o.files = { '/etc/netns/a/hosts': '# tnet:q/files/a\n', '/etc/netns/keep/hosts': '127.0.0.1 localhost\n' };
  const r = plan(desired({ bridges: [bridge] }), o);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.map((a) => `${a.op} ${'name' in a ? a.name : 'dev' in a ? a.dev : 'path' in a ? a.path : ''}`), [
    'netns-del a', 'link-reap veth1234567', 'dir-remove /etc/netns/a',
  ]);
});

test('the veths of pruned namespaces are deleted one by one when another host link is in the reaping group', () => {
  const o = converged();
  assert.equal(ops(plan(desired({ bridges: [bridge] }), o)), ['netns-del', 'link-reap']);
  o.links.push(link({ name: 'eth7', group: REAP_GROUP }));
  assert.equal(ops(plan(desired({ bridges: [bridge] }), o)), ['netns-del', 'link-del']);
  // A group `ip` names from /etc/iproute2/group could be that one.
  o.links[o.links.length - 1] = link({ name: 'eth7', group: null });
  assert.equal(ops(plan(desired({ bridges: [bridge] }), o)), ['netns-del', 'link-del']);
});

test('an unmarked bridge or namespace in the way is an error, not a takeover', () => {
  const o = emptyObserved({ links: [link({ name: 'docker0', kind: 'bridge' })], netns: { a: netns({ name: 'a' }) } });
  const r = plan(want, o);
  assert.not.ok(r.ok);
  if (r.ok) return;
  assert.equal(r.errors.map((e) => e.code).sort(), ['conflict', 'conflict']);
  assert.ok(r.errors.some((e) => e.message.includes('bridge docker0') && e.path === 'bridges.docker0'));
});

test('a namespace an interrupted apply created but never marked is taken back through its recorded intent', () => {
  const o = converged();
  o.netns.a.mark = null;
  assert.equal(ops(plan(want, o)), ['error:conflict'], 'without the record it is a stranger');
  o.intents = { a: 'tnet:q/netns/a' };
  assert.equal(ops(plan(want, o)), ['netns-mark']);
  o.intents = { a: 'tnet:other/netns/a' };
  assert.equal(ops(plan(want, o)), ['error:conflict'], 'another spec recorded it');
});

test('a bridge subnet over a host route through another interface is refused', () => {
  const o = emptyObserved({ routes: [{ dst: '172.17.0.0/24', gateway: null, dev: 'eth9', protocol: 'kernel' }] });
  const r = plan(want, o);
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal(r.errors[0].path, 'bridges.docker0.subnet');
});

test('container:X is an alias of X: attached after X is created, pruned with it', () => {
  const d = { ...want, netns: [{ name: 'side', kind: 'alias' as const, target: 'a' }, ...want.netns] };
  const r = plan(d, emptyObserved());
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.slice(0, 3).map((a) => a.op), ['netns-add', 'netns-mark', 'netns-attach']);
  const o = converged();
  o.netns.side = { ...o.netns.a, name: 'side' };
  assert.equal(ops(plan(d, o)), []);
  assert.equal(ops(plan(desired(), o)), ['netns-del', 'netns-del', 'link-del', 'link-reap']);
});

test('ip_forward is switched on only when the spec asks and it is off', () => {
  assert.equal(ops(plan(desired({ ipForward: true }), emptyObserved({ ipForward: false }))), ['sysctl']);
  assert.equal(ops(plan(desired({ ipForward: true }), emptyObserved({ ipForward: true }))), []);
  assert.equal(ops(plan(desired({ ipForward: null }), emptyObserved({ ipForward: false }))), []);
});

test('with a memo, each plan of a sequence equals the plan made without one', () => {
  const memo = new PlanMemo();
  const base = converged();
  const moved = { ...ep, address: '172.17.0.9/16', seal: 'tnet:q/veth/a@172.17.0.9/16@netns@0badcafe' };
  const steps: [DesiredState, ReturnType<typeof converged>][] = [
    [want, base],
    [{ ...want, endpoints: [ep] }, base],
    // The host changed under the same desired state: a veth gone, then a namespace's route.
    [want, { ...base, links: base.links.slice(0, 1) }],
    [want, { ...base, netns: { a: { ...base.netns.a, routes: [] } } }],
    [want, base],
    // The desired state changed over the same host: an address, then a namespace no more wanted.
    [{ ...want, endpoints: [moved] }, base],
    [{ ...want, netns: [], endpoints: [] }, base],
    [want, base],
    [{ ...want, files: [{ path: '/etc/netns/a/hosts', content: '# tnet:q/files/a\n' }], fileDirs: ['/etc/netns/a'] }, base],
    [want, { ...base, fileDirs: ['/etc/netns/b'], files: { '/etc/netns/b/hosts': '# tnet:q/files/b\n' } }],
  ];
  for (const [i, [d, o]] of steps.entries()) assert.equal(plan(d, o, memo), plan(d, o), `step ${i}`);
  // Not a sequence of empty plans: what the host lost shows, with the memo too.
  assert.equal(ops(plan(steps[2][0], steps[2][1], memo)), ['error:conflict'], 'eth0 left without its host end');
  assert.equal(ops(plan(steps[3][0], steps[3][1], memo)), ['route-replace']);
});

test.run();
