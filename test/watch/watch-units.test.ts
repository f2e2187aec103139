// The watch's pure parts without root: the debouncer, durations, the event filter, the spec filter, the loop.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Debouncer, type Clock } from '../../src/watch/debounce.js';
import { formatDuration, parseDuration } from '../../src/watch/duration.js';
import { relevant } from '../../src/watch/kernel-events.js';
import { specFilter } from '../../src/watch/spec-watcher.js';
import { Controller } from '../../src/watch/controller.js';
import type { Logger } from '../../src/watch/logger.js';
import { fail, ok, tnetError, TnetFailure, type Result } from '../../src/model/errors.js';
import type { Spec } from '../../src/model/spec.js';
import type { ReconcileReport } from '../../src/reconcile/reconcile.js';
import { DEBUG } from '../../src/util/debug.js';

/** A clock the test moves by hand. */
function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => (timers = timers.filter((t) => t.id !== id)),
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = due.at;
      due.fn();
    }
    now = until;
  };
  return { clock, advance };
}

const d = suite('debounce');

d('a burst fires once, after the quiet period', () => {
  const { clock, advance } = fakeClock();
  let n = 0;
  const db = new Debouncer(() => n++, 200, Infinity, clock);
  for (let i = 0; i < 10; i++) {
    db.trigger();
    advance(50);
  }
  assert.is(n, 0);
  advance(199);
  assert.is(n, 1);
  advance(1000);
  assert.is(n, 1);
});

d('a storm that never settles still fires every maxWait', () => {
  const { clock, advance } = fakeClock();
  const fired: number[] = [];
  const db = new Debouncer(() => fired.push(clock.now()), 200, 1000, clock);
  for (let t = 0; t < 2500; t += 100) {
    db.trigger();
    advance(100);
  }
  assert.equal(fired, [1000, 2000]);
});

d('cancel drops the pending call', () => {
  const { clock, advance } = fakeClock();
  let n = 0;
  const db = new Debouncer(() => n++, 100, Infinity, clock);
  db.trigger();
  assert.ok(db.pending);
  db.cancel();
  advance(500);
  assert.is(n, 0);
  assert.not.ok(db.pending);
});

d.run();

const u = suite('watch helpers');

u('durations', () => {
  assert.is(parseDuration('30s'), 30000);
  assert.is(parseDuration('200ms'), 200);
  assert.is(parseDuration('1.5s'), 1500);
  assert.is(parseDuration('2m'), 120000);
  assert.is(parseDuration('5'), 5000);
  assert.is(parseDuration('0'), 0);
  assert.is(parseDuration('soon'), null);
  assert.is(parseDuration('-1s'), null);
  assert.is(formatDuration(30000), '30s');
  assert.is(formatDuration(200), '200ms');
  assert.is(formatDuration(120000), '2m');
});

u('kernel events: IPv6 link-local noise is not drift', () => {
  assert.ok(relevant('[nsid current]Deleted 7: veth1234567@if2: <BROADCAST,MULTICAST> mtu 1500'));
  assert.ok(relevant('[nsid 0]Deleted 2: eth0    inet 10.0.0.2/24 scope global eth0'));
  assert.not.ok(relevant('[nsid 0]Deleted 2: vh    inet6 fe80::b804:f3ff:fefe:1898/64 scope link tentative'));
  assert.not.ok(relevant('[nsid current]multicast ff00::/8 dev vh table local proto kernel metric 256 pref medium'));
  assert.not.ok(relevant('[nsid current]fe80::/64 dev vh proto kernel metric 256 pref medium'));
  assert.not.ok(relevant('  '));
  assert.ok(relevant('[nsid 0]Deleted 2: eth0    inet6 fd00:60::2/64 scope global nodad '), 'a dual-stack address');
  assert.ok(relevant('[nsid 0]Deleted default via fd00:60::1 dev eth0 metric 1024 pref medium'));
  assert.not.ok(relevant('[nsid current]2: lo    inet6 ::1/128 scope host '));
});

u('spec filter: the file itself, or a folder\'s *.yaml without dotfiles', () => {
  const file = specFilter('/srv/net/web.yaml', false);
  assert.ok(file('/srv/net/web.yaml'));
  assert.not.ok(file('/srv/net/web.yaml.swp'));
  assert.not.ok(file('/srv/net/other.yaml'));
  const dir = specFilter('/srv/net', true);
  assert.ok(dir('/srv/net/a.yaml'));
  assert.ok(dir('/srv/net/b.yml'));
  assert.not.ok(dir('/srv/net/.a.yaml.swp'));
  assert.not.ok(dir('/srv/net/.hidden.yaml'));
  assert.not.ok(dir('/srv/net/README.md'));
  assert.not.ok(dir('/srv/net/sub/c.yaml'), 'the loader reads one level only');
});

u.run();

// ---- the loop, with a fake loader, reconciler and logger

interface Logged {
  level: string;
  message: string;
  meta?: Record<string, unknown>;
}

function harness(loads: Result<Spec>[]) {
  const logged: Logged[] = [];
  const log: Logger = {
    error: (message, meta) => logged.push({ level: 'error', message, meta }),
    warn: (message, meta) => logged.push({ level: 'warn', message, meta }),
    info: (message, meta) => logged.push({ level: 'info', message, meta }),
    debug: (message, meta) => logged.push({ level: 'debug', message, meta }),
    close: async () => {},
  };
  const applied: string[] = [];
  let actions = 0;
  let gate: Promise<void> = Promise.resolve();
  let missed = 0;
  let thrown: unknown = null;
  const asApplied: boolean[] = [];
  const c = new Controller({
    load: async () => (loads.length > 1 ? loads.shift()! : loads[0]), // the last answer repeats
    reconcile: async (spec, _deep, _warm, same) => {
      asApplied.push(same);
      await gate;
      if (thrown) throw thrown;
      applied.push(spec.name);
      const report = { actions: Array.from({ length: actions }, () => ({ op: 'netns-add', name: 'x' })), ms: 3, warnings: [] } as unknown as ReconcileReport;
      return ok(report);
    },
    log,
    eventsMissed: () => missed++,
  });
  return {
    c,
    logged,
    applied,
    asApplied,
    setActions: (n: number) => (actions = n),
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return release;
    },
    missed: () => missed,
    throwing: (e: unknown) => (thrown = e),
  };
}

const spec = (name: string, containers: string[] = []): Spec =>
  ({ name, version: 1, host: {}, bridges: {}, containers: Object.fromEntries(containers.map((c) => [c, {}])) }) as unknown as Spec;
const bad = fail<Spec>(tnetError('yaml', 'bad indentation', { pos: { file: 'net.yaml', line: 3, col: 5 } }));

const c = suite('watch loop');

c('an invalid edit keeps the last good spec and logs file:line:col; the next valid edit applies', async () => {
  const h = harness([ok(spec('net', ['a'])), bad, ok(spec('net', ['a', 'b']))]);
  await h.c.request('start');
  await h.c.request('spec');
  assert.equal(h.c.current, spec('net', ['a']), 'the last good spec stays in force');
  const err = h.logged.find((l) => l.level === 'error')!;
  assert.is(err.meta!.at, 'net.yaml:3:5');
  assert.match(err.message, /keeping spec 'net'/);
  await h.c.request('spec');
  assert.equal(h.c.current, spec('net', ['a', 'b']));
  assert.is(h.applied.length, 2, 'the invalid edit left the spec applied as it was: no pass for it');
});

c('an edit that gives back the spec applied last runs no pass; one after a failed reconcile, or with a kernel event, does', async () => {
  const h = harness([ok(spec('net', ['a']))]);
  await h.c.request('start');
  await h.c.request('spec');
  assert.is(h.applied.length, 1, 'the same Spec, nothing since: no pass');
  assert.ok(h.logged.some((l) => l.level === 'debug' && /as last applied/.test(l.message)));
  h.c.request('kernel');
  h.c.request('spec');
  await h.c.request('spec');
  assert.is(h.applied.length, 2, 'a kernel event among the triggers: a pass');
  h.throwing(new TnetFailure([tnetError('observe', 'ip failed')]));
  await h.c.request('resync');
  h.throwing(null);
  await h.c.request('spec');
  assert.is(h.applied.length, 3, 'the last reconcile failed: the same spec is reconciled again');
});

c('a reconcile is told whether its spec is the one applied last: an edit that came with kernel events is not', async () => {
  const h = harness([ok(spec('net', ['a'])), ok(spec('net', ['a', 'b']))]);
  await h.c.request('start');
  const release = h.hold();
  const held = h.c.request('kernel');
  await new Promise((r) => setTimeout(r, 5));
  void h.c.request('kernel');
  void h.c.request('spec');
  release();
  await held;
  await h.c.request('kernel');
  assert.equal(h.asApplied, [false, true, false, true], 'start, a kernel event, an edit merged with one, a kernel event');
});

c('an idle host logs nothing above debug; a change logs its actions once', async () => {
  const h = harness([ok(spec('net'))]);
  await h.c.request('start');
  await h.c.request('resync');
  await h.c.request('kernel');
  assert.equal(h.logged.filter((l) => l.level !== 'debug'), []);
  h.setActions(2);
  await h.c.request('resync');
  const info = h.logged.filter((l) => l.level === 'info');
  assert.is(info.length, 1);
  assert.match(info[0].message, /^applied 2 added, 0 changed, 0 destroyed in 3 ms$/);
  assert.is(info[0].meta!.trigger, 'resync');
});

c('a persistent failure is logged once, not on every resync', async () => {
  const h = harness([bad]);
  await h.c.request('start');
  await h.c.request('resync');
  await h.c.request('resync');
  assert.is(h.logged.filter((l) => l.level === 'error').length, 1);
  assert.is(h.c.current, null, 'nothing applied until a valid spec');
  assert.is(h.applied.length, 0);
});

c('one reconcile at a time: triggers during one merge into the next; stop lets the one in flight finish', async () => {
  const h = harness([ok(spec('net'))]);
  const release = h.hold();
  const first = h.c.request('start');
  await new Promise((r) => setTimeout(r, 5));
  void h.c.request('kernel');
  void h.c.request('resync');
  assert.not.ok(h.c.kernelEvent(), 'events during a reconcile are held');
  const stopped = h.c.stop();
  release();
  await Promise.all([first, stopped]);
  assert.is(h.applied.length, 1, 'the one in flight finished, no other started');
  assert.is(h.missed(), 0, 'no follow-up once stopping');
  assert.not.ok(h.c.kernelEvent());
});

c('events during a reconcile ask for one more look afterwards', async () => {
  const h = harness([ok(spec('net'))]);
  const release = h.hold();
  const first = h.c.request('start');
  await new Promise((r) => setTimeout(r, 5));
  assert.not.ok(h.c.kernelEvent());
  release();
  await first;
  assert.is(h.missed(), 1);
  assert.ok(h.c.kernelEvent(), 'between reconciles an event is acted on');
});

c('a reconcile that throws logs one error line: a tnet error as itself, a bug as internal without its stack', async () => {
  const h = harness([ok(spec('net'))]);
  h.throwing(new TnetFailure([tnetError('observe', 'ip failed reading the host: no such device')]));
  await h.c.request('start');
  const bug = new Error('x is undefined\nsecond line');
  h.throwing(bug);
  await h.c.request('resync');
  const [failure, crash] = h.logged.filter((l) => l.level === 'error').map((l) => (l.meta!.detail as string[]).join('\n'));
  assert.match(failure, /^error\[observe\]: ip failed reading the host: no such device$/m);
  assert.match(crash, /^error\[internal\]: x is undefined$/m);
  assert.not.match(crash, /second line/);
  if (!DEBUG) assert.not.ok(crash.includes(bug.stack!.split('\n')[2].trim()), 'no stack without TNET_DEBUG=1');
});

c.run();
