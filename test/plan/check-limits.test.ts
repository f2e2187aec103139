// The kernel limits a plan is checked against before acting: neighbour table, namespaces, mounts, open files, inotify.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkLimits, checkWatches, neighboursNeeded, type Adds } from '../../src/plan/check-limits.js';
import { plan } from '../../src/plan/plan.js';
import type { DesiredEndpoint, DesiredState } from '../../src/model/desired.js';
import type { HostLimits } from '../../src/model/observed.js';
import { UNKNOWN_LIMITS } from '../../src/observe/limits.js';
import { desired, emptyObserved, netns } from '../helpers/fixtures.js';

const endpoints = (n: number): DesiredEndpoint[] =>
  Array.from({ length: n }, (_, i) => ({ container: `c${i}`, hostIf: `veth${i}`, address: `10.0.${i >> 8}.${i & 255}/16` }) as DesiredEndpoint);

const withEndpoints = (n: number): DesiredState => desired({ endpoints: endpoints(n) });
const limits = (over: Partial<HostLimits>) => emptyObserved({ limits: { ...UNKNOWN_LIMITS, ...over } });
const none: Adds = { netns: 0, veths: 0 };

test('neighbour entries: two per endpoint, refused past gc_thresh3 with the values to set', () => {
  assert.is(neighboursNeeded(withEndpoints(600)), 1200);
  assert.equal(checkLimits(withEndpoints(512), limits({ neighbours: 1024 }), none), [], 'exactly at the limit');
  const [e, ...more] = checkLimits(withEndpoints(600), limits({ neighbours: 1024 }), none);
  assert.is(more.length, 0);
  assert.is(e.code, 'host-limit');
  assert.match(e.message, '600 endpoints need about 1200 IPv4 neighbour entries');
  assert.match(e.message, 'net.ipv4.neigh.default.gc_thresh3 = 1024');
  assert.match(e.message, 'neighbour table overflow');
  assert.match(e.hint!, 'sysctl -w net.ipv4.neigh.default.gc_thresh2=2048 net.ipv4.neigh.default.gc_thresh3=4096');
});

test('neighbour entries: a raised limit lets 10,000 containers through; an unreadable one is not checked', () => {
  assert.equal(checkLimits(withEndpoints(10_000), limits({ neighbours: 40_960 }), none), []);
  assert.equal(checkLimits(withEndpoints(10_000), limits({ neighbours: null }), none), [], 'a namespace other than the first: nothing to read');
});

test('namespaces: those that exist and those created must fit user.max_net_namespaces', () => {
  const o = (inUse: number | null, named = 0) =>
    emptyObserved({
      netns: Object.fromEntries(Array.from({ length: named }, (_, i) => [`n${i}`, netns({ name: `n${i}` })])),
      limits: { ...UNKNOWN_LIMITS, netns: 100, netnsInUse: inUse },
    });
  assert.equal(checkLimits(desired(), o(60), { netns: 40, veths: 0 }), [], 'exactly at the limit');
  const [e] = checkLimits(desired(), o(61), { netns: 40, veths: 0 });
  assert.is(e.code, 'host-limit');
  assert.match(e.message, 'creates 40 network namespaces where 61 exist already, more than user.max_net_namespaces = 100');
  assert.match(e.message, 'No space left on device');
  assert.match(e.hint!, 'sysctl -w user.max_net_namespaces=1024');
  // The named ones are a floor when the processes' count is lower or missing.
  assert.is(checkLimits(desired(), o(null, 70), { netns: 40, veths: 0 }).length, 1);
  assert.equal(checkLimits(desired(), o(500), none), [], 'a plan that creates none is not refused for what exists');
});

test('mounts: one per namespace created, one more for /run/netns the first time, within fs.mount-max', () => {
  const o = (mounts: number, netnsDirMounted: boolean) => limits({ mountMax: 100_000, mounts, netnsDirMounted });
  assert.equal(checkLimits(desired(), o(90_000, true), { netns: 10_000, veths: 0 }), []);
  const [e] = checkLimits(desired(), o(90_000, false), { netns: 10_000, veths: 0 });
  assert.is(e.code, 'host-limit');
  assert.match(e.message, 'each a bind mount under /run/netns');
  assert.match(e.message, '100001, more than fs.mount-max = 100000');
  assert.match(e.hint!, 'sysctl -w fs.mount-max=110000');
  assert.equal(checkLimits(desired(), o(100_000, true), none), [], 'nothing created: nothing mounted');
});

test('open files: ip holds one per veth it puts in a namespace, within the hard limit', () => {
  const o = limits({ openFiles: 1024 });
  assert.equal(checkLimits(desired(), o, { netns: 0, veths: 992 }), []);
  const [e] = checkLimits(desired(), o, { netns: 0, veths: 993 });
  assert.is(e.code, 'host-limit');
  assert.match(e.message, 'creates 993 veths in namespaces');
  assert.match(e.message, 'hard limit (RLIMIT_NOFILE) of 1024');
  assert.match(e.hint!, 'ulimit -n 2048');
  assert.equal(checkLimits(desired(), limits({ openFiles: null }), { netns: 0, veths: 10_000 }), []);
});

test('the planner refuses before any action, counting the namespaces and veths it would add', () => {
  const d = desired({
    netns: [{ name: 'a', kind: 'created', mark: 'tnet:q/netns/a' } as DesiredState['netns'][number]],
    endpoints: endpoints(1),
  });
  const r = plan(d, limits({ netns: 5, netnsInUse: 5, openFiles: 16 }));
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.map((e) => e.code), ['host-limit', 'host-limit']);
  assert.match(r.errors[0].message, 'user.max_net_namespaces = 5');
  assert.match(r.errors[1].message, '1 veths');
});

test('inotify: the watches tnet watch needs on top of those the user holds, and one instance', () => {
  const use = { maxWatches: 8192, maxInstances: 128, watches: 100, instances: 3 };
  const need = { watches: 8092, instances: 1, folders: 8089 };
  assert.equal(checkWatches(use, need), []);
  const [e] = checkWatches(use, { ...need, watches: 10_003, folders: 10_000 });
  assert.is(e.code, 'host-limit');
  assert.match(e.message, 'tnet watch needs 10003 inotify watches (the spec, /etc/netns and its 10000 folders)');
  assert.match(e.message, 'hold 100 already, more than fs.inotify.max_user_watches = 8192');
  assert.match(e.hint!, 'sysctl -w fs.inotify.max_user_watches=11264');
  const [i] = checkWatches({ ...use, instances: 128 }, need);
  assert.match(i.message, 'fs.inotify.max_user_instances = 128');
  assert.equal(checkWatches({ maxWatches: null, maxInstances: null, watches: 0, instances: 0 }, need), []);
});

test.run();
