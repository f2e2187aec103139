// The watch's metrics without root: what a reconcile counts, /healthz, the address flag, the HTTP server,
// and that one-shot commands never load prom-client.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { PromMetrics } from '../../src/watch/metrics.js';
import { metricTrigger, repairedDrift, type ReconcileRecord, type WatchMetrics } from '../../src/watch/reconcile-stats.js';
import { closeMetrics, parseListenAddress, serveMetrics } from '../../src/watch/metrics-server.js';
import { Controller } from '../../src/watch/controller.js';
import type { Logger } from '../../src/watch/logger.js';
import { fail, ok, tnetError } from '../../src/model/errors.js';
import type { Spec } from '../../src/model/spec.js';
import type { Action } from '../../src/model/action.js';
import type { ReconcileReport } from '../../src/reconcile/reconcile.js';
import { desired } from '../helpers/fixtures.js';

/** The value of one series in the text format, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const record = (over: Partial<ReconcileRecord>): ReconcileRecord => ({ trigger: 'edit', ok: true, seconds: 0.02, actions: [], desired: null, error: null, ...over });
const act = (op: string): Action => ({ op, name: 'x' }) as unknown as Action;

test('a reconcile counts by trigger and result, and its duration lands in the histogram', async () => {
  const m = new PromMetrics({ processMetrics: false, now: () => 1_700_000_000_000 });
  let text = await m.metrics();
  assert.is(sample(text, 'tnet_reconciles_total{trigger="edit",result="success"}'), 0, 'every series from the start');
  m.reconciled(record({ seconds: 0.03, actions: [act('addr-add'), act('addr-add'), act('fw-update')] }));
  m.reconciled(record({ trigger: 'resync', seconds: 3 }));
  m.reconciled(record({ trigger: 'event', ok: false, seconds: 0.2, error: 'error[apply]: ip -batch failed\nmore' }));
  text = await m.metrics();
  assert.is(sample(text, 'tnet_reconciles_total{trigger="edit",result="success"}'), 1);
  assert.is(sample(text, 'tnet_reconciles_total{trigger="resync",result="success"}'), 1);
  assert.is(sample(text, 'tnet_reconciles_total{trigger="event",result="failure"}'), 1);
  assert.is(sample(text, 'tnet_reconciles_total{trigger="event",result="success"}'), 0);
  assert.is(sample(text, 'tnet_reconcile_duration_seconds_count'), 3);
  assert.is(sample(text, 'tnet_reconcile_duration_seconds_bucket{le="0.025"}'), 0);
  assert.is(sample(text, 'tnet_reconcile_duration_seconds_bucket{le="0.05"}'), 1);
  assert.is(sample(text, 'tnet_reconcile_duration_seconds_bucket{le="0.25"}'), 2);
  assert.is(sample(text, 'tnet_reconcile_duration_seconds_bucket{le="2.5"}'), 2);
  assert.is(sample(text, 'tnet_reconcile_duration_seconds_bucket{le="5"}'), 3);
  assert.ok(Math.abs(sample(text, 'tnet_reconcile_duration_seconds_sum')! - 3.23) < 1e-9);
  assert.is(sample(text, 'tnet_actions_total{op="addr-add"}'), 2);
  assert.is(sample(text, 'tnet_actions_total{op="fw-update"}'), 1);
  assert.is(sample(text, 'tnet_last_success_timestamp_seconds'), 1_700_000_000);
  assert.match(text, /# TYPE tnet_reconcile_duration_seconds histogram/);
});

test('drift repaired: by kind of object, only for reconciles an event or the resync started', async () => {
  const m = new PromMetrics({ processMetrics: false });
  m.reconciled(record({ trigger: 'edit', actions: [act('veth-add')] }));
  m.reconciled(record({ trigger: 'event', actions: [act('veth-add'), act('link-set'), act('addr-add')] }));
  m.reconciled(record({ trigger: 'resync', actions: [act('fw-update')] }));
  m.reconciled(record({ trigger: 'event', ok: false, actions: [] }));
  const text = await m.metrics();
  assert.is(sample(text, 'tnet_drift_repaired_total{kind="link"}'), 1, 'one reconcile, one repair, however many actions');
  assert.is(sample(text, 'tnet_drift_repaired_total{kind="address"}'), 1);
  assert.is(sample(text, 'tnet_drift_repaired_total{kind="firewall"}'), 1);
  assert.is(sample(text, 'tnet_drift_repaired_total{kind="files"}'), 0);
  assert.equal(repairedDrift('retry', [act('veth-add')]), []);
});

test('owned objects and spec validity', async () => {
  const m = new PromMetrics({ processMetrics: false });
  const d = desired({
    spec: 'q',
    bridges: [{ name: 'docker0', owned: true, mark: '', mac: null, mtu: 1500, address: null, subnet: '', uplink: null }],
    netns: [{ name: 'a', kind: 'created', mark: '' }, { name: 'b', kind: 'alias', target: 'a' }],
    fileDirs: ['/etc/netns/a'],
    firewall: { spec: 'q', tables: [{ table: 'nat', chains: { TNET: ['-m comment --comment tnet:q -j RETURN', '-m comment --comment tnet:other -j RETURN'] }, keepChains: [], jumps: [] }], sysctls: {}, hairpinPorts: [] },
  });
  m.specLoaded(false);
  assert.is(sample(await m.metrics(), 'tnet_spec_valid'), 0);
  m.specLoaded(true);
  m.reconciled(record({ desired: d }));
  const text = await m.metrics();
  assert.is(sample(text, 'tnet_spec_valid'), 1);
  assert.is(sample(text, 'tnet_owned_objects{kind="bridge"}'), 1);
  assert.is(sample(text, 'tnet_owned_objects{kind="netns"}'), 1);
  assert.is(sample(text, 'tnet_owned_objects{kind="netns alias"}'), 1);
  assert.is(sample(text, 'tnet_owned_objects{kind="veth"}'), 0);
  assert.is(sample(text, 'tnet_owned_objects{kind="files"}'), 1);
  assert.is(sample(text, 'tnet_owned_objects{kind="rule"}'), 1, "only this spec's rules");
});

test('/healthz: 503 until a reconcile succeeds, 200 while the last one did, 503 with the reason after a failure', () => {
  const m = new PromMetrics({ processMetrics: false, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
  assert.equal(m.health(), { ok: false, text: 'no reconcile has finished yet' });
  m.reconciled(record({}));
  assert.equal(m.health(), { ok: true, text: 'ok: last reconcile succeeded at 2026-01-02T03:04:05.000Z' });
  m.specLoaded(false);
  assert.ok(m.health().ok, 'an invalid edit leaves the last good spec in force');
  assert.match(m.health().text, /spec as last read is invalid/);
  m.reconciled(record({ ok: false, error: 'error[apply]: ip -batch failed\nsecond line' }));
  assert.equal(m.health(), { ok: false, text: 'last reconcile failed at 2026-01-02T03:04:05.000Z: error[apply]: ip -batch failed' });
});

test('the trigger label of merged triggers: start, then an edit, then an event', () => {
  assert.is(metricTrigger(['spec']), 'edit');
  assert.is(metricTrigger(['hup']), 'edit');
  assert.is(metricTrigger(['kernel', 'spec']), 'edit');
  assert.is(metricTrigger(['resync', 'kernel']), 'event');
  assert.is(metricTrigger(['resync']), 'resync');
  assert.is(metricTrigger(['retry', 'resync']), 'retry');
  assert.is(metricTrigger(['start', 'spec']), 'start');
});

const quiet: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, close: async () => {} };

test('the controller tells the metrics of each spec read and reconcile, with its trigger and actions', async () => {
  const seen: (ReconcileRecord | boolean)[] = [];
  const metrics: WatchMetrics = { specLoaded: (v) => seen.push(v), reconciled: (r) => seen.push(r) };
  const spec = { name: 's' } as Spec;
  let failNext = false;
  const c = new Controller({
    load: async () => ok(spec),
    reconcile: async () => {
      if (failNext) return fail(tnetError('observe', 'ip -batch failed'));
      return ok({ actions: [act('netns-add')], ms: 1, warnings: [], desired: desired({ spec: 's' }) } as unknown as ReconcileReport);
    },
    log: quiet,
    metrics,
  });
  await c.request('spec');
  failNext = true;
  await c.request('kernel');
  await c.stop();
  assert.is(seen.length, 3, JSON.stringify(seen));
  assert.is(seen[0], true);
  const [edit, event] = seen.slice(1) as ReconcileRecord[];
  assert.is(edit.trigger, 'edit');
  assert.ok(edit.ok && edit.seconds >= 0 && edit.error === null);
  assert.equal(edit.actions.map((a) => a.op), ['netns-add']);
  assert.is(event.trigger, 'event');
  assert.not.ok(event.ok);
  assert.match(event.error!, /ip -batch failed/);
  assert.equal(event.actions, []);
});

test('--metrics ADDR: an IP address and a port', () => {
  assert.equal(parseListenAddress('127.0.0.1:9365'), { host: '127.0.0.1', port: 9365 });
  assert.equal(parseListenAddress('[::1]:9365'), { host: '::1', port: 9365 });
  assert.equal(parseListenAddress('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
  for (const bad of ['9365', 'localhost:9365', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '::1:9365', '[127.0.0.1]:9365', '300.1.1.1:80', '127.0.0.1:9365x']) {
    assert.is(parseListenAddress(bad), null, bad);
  }
});

test('the server: /metrics in the text format, /healthz, 404 elsewhere; a taken port is refused', async () => {
  const m = new PromMetrics({ processMetrics: true });
  const { server, address } = await serveMetrics({ host: '127.0.0.1', port: 0 }, m);
  try {
    const base = `http://127.0.0.1:${address.port}`;
    let r = await fetch(`${base}/healthz`);
    assert.is(r.status, 503);
    assert.is(await r.text(), 'no reconcile has finished yet\n');
    m.reconciled(record({}));
    r = await fetch(`${base}/healthz`);
    assert.is(r.status, 200);
    r = await fetch(`${base}/metrics`);
    assert.is(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    assert.is(sample(text, 'tnet_reconciles_total{trigger="edit",result="success"}'), 1);
    assert.match(text, /^process_cpu_seconds_total /m, 'process metrics');
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    assert.is((await fetch(`${base}/`)).status, 404);
    const again = await serveMetrics({ host: '127.0.0.1', port: address.port }, m).then(() => 'listening', (e: NodeJS.ErrnoException) => e.code);
    assert.is(again, 'EADDRINUSE');
  } finally {
    await closeMetrics(server);
  }
});

test('one-shot commands never load prom-client; the watch metrics module does', () => {
  // A command's modules are loaded before its flags are checked: `apply` without -f loads all of apply's.
  const script = `
    import { createRequire } from 'node:module';
    const { main } = createRequire(import.meta.url)('./dist/bin/tnet.cjs');
    process.stderr.write = () => true;
    for (const argv of [['apply'], ['plan'], ['validate', '-f', 'examples/quickstart.yaml'], ['status', '--format', 'x', '-o', 'json', '-f', '/nonexistent'], ['graph', '--format', 'nope'], ['watch', '--metrics', 'nope', '-f', 'x']]) await main(argv);
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/prom-client/'));
    const before = loaded();
    await import('./dist/src/watch/metrics.js');
    console.log(JSON.stringify({ before, after: loaded() }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!), { before: false, after: true });
});

test.run();
