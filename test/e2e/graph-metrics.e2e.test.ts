// tnet graph of an applied host and tnet watch --metrics, as root in throwaway namespaces.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyOk, Sandbox } from '../helpers/sandbox.js';
import { until, Watch } from '../helpers/watch.js';
import { mermaidId } from '../../src/graph/mermaid.js';

const QUICKSTART = readFileSync('examples/quickstart.yaml', 'utf8');
const PORT = 9365;

const t = suite<{ box: Sandbox; watches: Watch[] }>('graph and metrics');

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.watches = [];
});
t.after.each(async (ctx) => {
  for (const w of ctx.watches) await w.kill();
  await ctx.box.destroy();
});

/** As editors save: a temporary file renamed over the spec. */
function save(path: string, text: string): void {
  writeFileSync(`${path}.tmp~`, text);
  renameSync(`${path}.tmp~`, path);
}

const specText = (containers: string[]) => `version: 1\nbridges:\n  br-m:\n    subnet: 10.78.0.0/24\ncontainers:\n${containers.map((c) => `  ${c}: {}`).join('\n')}\n`;

/** GETs a path of the watch's server from inside the sandbox's network namespace, where it listens. */
async function get(box: Sandbox, path: string): Promise<{ status: number; body: string }> {
  const script = `fetch('http://127.0.0.1:${PORT}${path}').then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { console.error(e.cause?.code ?? e.message); process.exit(1); })`;
  const r = await box.run([process.execPath, '-e', script]);
  if (r.code !== 0) throw new Error(`GET ${path} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { status: number; body: string };
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

const EDITS = 'tnet_reconciles_total{trigger="edit",result="success"}';

t('watch --metrics: an edit counts one edit reconcile, /healthz says 200, an invalid edit sets spec_valid 0, drift repaired counts', async (ctx) => {
  const { box } = ctx;
  const spec = join(box.dir, 'net.yaml');
  save(spec, specText(['c1']));
  const w = Watch.start(box, spec, '--resync', '60s', '--metrics', `127.0.0.1:${PORT}`);
  ctx.watches.push(w);
  await w.waitFor((l) => l.message.startsWith('serving metrics on http://127.0.0.1:9365/metrics'), 15000);
  await w.ready(20000);

  let m = await get(box, '/metrics');
  assert.is(m.status, 200);
  assert.is(sample(m.body, 'tnet_reconciles_total{trigger="start",result="success"}'), 1, 'the start reconcile');
  const editsBefore = sample(m.body, EDITS);
  const countBefore = sample(m.body, 'tnet_reconcile_duration_seconds_count');
  assert.is(sample(m.body, 'tnet_spec_valid'), 1);
  assert.ok(sample(m.body, 'tnet_last_success_timestamp_seconds') > Date.now() / 1000 - 120, 'a recent success');
  assert.match(m.body, /^process_resident_memory_bytes /m);
  const health = await get(box, '/healthz');
  assert.is(health.status, 200);
  assert.match(health.body, /^ok: last reconcile succeeded at /);

  // An edit: one more container.
  let from = w.lines.length;
  save(spec, specText(['c1', 'c2']));
  const applied = await w.waitFor((l) => l.message.startsWith('applied') && String(l.trigger).includes('spec'), 20000, from);
  assert.ok(applied);
  m = await get(box, '/metrics');
  assert.is(sample(m.body, EDITS), editsBefore + 1, 'the edit counted once');
  assert.ok(sample(m.body, 'tnet_reconcile_duration_seconds_count') >= countBefore + 1, 'its duration observed');
  assert.ok(sample(m.body, 'tnet_actions_total{op="veth-add"}') >= 2, 'c1 at start, c2 by the edit');
  assert.is(sample(m.body, 'tnet_owned_objects{kind="netns"}'), 2);
  assert.is(sample(m.body, 'tnet_owned_objects{kind="veth"}'), 2);
  assert.is(sample(m.body, 'tnet_owned_objects{kind="bridge"}'), 1);

  // An invalid edit: the last good spec stays, and so does the health.
  from = w.lines.length;
  save(spec, 'version: 1\ncontainers: [oops\n');
  await w.waitFor((l) => l.message.startsWith('spec invalid'), 20000, from);
  m = await get(box, '/metrics');
  assert.is(sample(m.body, 'tnet_spec_valid'), 0);
  assert.is((await get(box, '/healthz')).status, 200);
  save(spec, specText(['c1', 'c2']));
  await until(async () => sample((await get(box, '/metrics')).body, 'tnet_spec_valid') === 1, 20000, 'spec valid again');

  // Drift: a veth deleted by hand comes back through kernel events, counted as a link repaired.
  const driftBefore = sample((await get(box, '/metrics')).body, 'tnet_drift_repaired_total{kind="link"}');
  const veth = (await box.json(`ip -j link show master br-m`)).map((l: { ifname: string }) => l.ifname)[0] as string;
  from = w.lines.length;
  await box.must(`ip link del ${veth}`);
  await w.waitFor((l) => l.message.startsWith('applied') && String(l.trigger).includes('kernel'), 20000, from);
  m = await get(box, '/metrics');
  assert.is(sample(m.body, 'tnet_drift_repaired_total{kind="link"}'), driftBefore + 1);
  assert.ok(sample(m.body, 'tnet_reconciles_total{trigger="event",result="success"}') >= 1);

  assert.is(await w.stop(), 0);
  const gone = await box.run([process.execPath, '-e', `fetch('http://127.0.0.1:${PORT}/healthz').then(() => process.exit(0), () => process.exit(3))`]);
  assert.is(gone.code, 3, 'the server went with the watch');
});

t('watch --metrics on a taken port exits 64 before changing anything; a bad address is a usage error', async (ctx) => {
  const { box } = ctx;
  const spec = join(box.dir, 'net.yaml');
  save(spec, specText(['c1']));
  const holder = box.spawn([process.execPath, '-e', `require('net').createServer().listen(${PORT}, '127.0.0.1', () => console.log('up'))`]);
  try {
    await new Promise<void>((ok, ko) => {
      holder.stdout!.once('data', () => ok());
      holder.once('exit', (c) => ko(new Error(`the port holder exited (${c})`)));
    });
    const w = Watch.start(box, spec, '--metrics', `127.0.0.1:${PORT}`);
    ctx.watches.push(w);
    const { code } = await w.exited;
    assert.is(code, 64, w.dump());
    assert.ok(w.lines.some((l) => l.level === 'error' && /--metrics 127\.0\.0\.1:9365: cannot listen there: the port is taken/.test(l.message)), w.dump());
    assert.is((await box.sh('ls /run/netns 2>/dev/null')).stdout.trim(), '', 'nothing applied');
  } finally {
    holder.kill('SIGKILL');
  }
  const bad = await box.tnet('watch', '-f', spec, '--metrics', 'localhost:9365');
  assert.is(bad.code, 64);
  assert.match(bad.stderr, /--metrics localhost:9365: an IP address and a port/);
});

t('graph without -f after an apply names what tnet owns; with -f, the host port tnet chose', async (ctx) => {
  const { box } = ctx;
  const spec = box.writeSpec('quickstart.yaml', `${QUICKSTART}  web:\n    ports: ["80"]\n`);
  await applyOk(box, spec);
  const chosen = /--dport (\d+) .*--to-destination 172\.17\.0\.\d+:80$/m.exec(await box.must('iptables -t nat -S TNET-DNAT-docker0 | grep -v 8080'))?.[1];
  assert.ok(chosen, 'the apply chose a host port for web');

  const r = await box.tnet('graph');
  assert.is(r.code, 0, r.stderr);
  const text = r.stdout;
  assert.ok(text.startsWith('flowchart LR\n'));
  assert.match(text, /subgraph spec_quickstart \["spec quickstart"\]/);
  assert.match(text, /br_docker0\[\["docker0<br\/>172\.17\.0\.1\/16"\]\]/);
  for (const c of ['nginx-1', 'nginx-2', 'sidecar', 'isolated', 'web']) assert.match(text, new RegExp(`${mermaidId('ct', c)}\\("${c}`), c);
  assert.match(text, new RegExp(`${mermaidId('ct', 'nginx-2')} ---\\|"veth[0-9a-f]{7} 172\\.17\\.0\\.3/16"\\| br_docker0`));
  assert.ok(text.includes(`${mermaidId('ct', 'sidecar')} -.->|"container:nginx-1"| ${mermaidId('ct', 'nginx-1')}`), text);
  assert.match(text, />"0\.0\.0\.0:8080\/tcp"\]/);
  assert.ok(text.includes(`>"0.0.0.0:${chosen}/tcp"]`), text);
  assert.not.match(text, /tools/, 'a host-network container has no object of its own');

  const dot = await box.tnet('graph', '--format', 'dot');
  assert.is(dot.code, 0, dot.stderr);
  for (const c of ['nginx-1', 'nginx-2', 'sidecar', 'isolated', 'web']) assert.match(dot.stdout, new RegExp(`"container:${c}" \\[label="${c}`), c);

  const withSpec = await box.tnet('graph', '-f', spec);
  assert.is(withSpec.code, 0, withSpec.stderr);
  assert.ok(withSpec.stdout.includes(`>"0.0.0.0:${chosen}/tcp"]`), withSpec.stdout);
  assert.match(withSpec.stdout, new RegExp(`${mermaidId('ct', 'nginx-2')} ==>\\|"link web"\\|`));
});

t.run();
