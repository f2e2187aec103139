// dev harness: watch-like speculative path, first edit profiled with the inspector
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { LoadCache, loadSpec } from '../dist/src/reconcile/load.js';
import { reconcile, planReconcile, commit, observeEarly } from '../dist/src/engine/reconcile.js';
import { observeKernel } from '../dist/src/observe/index.js';
const n = Number(process.argv[2] ?? 1000), K = Number(process.argv[3] ?? 3);
const file = process.argv[4];
const gen = (v) => { const lines = ['version: 1', 'name: bench', 'bridges:', '  docker0: {subnet: 172.17.0.0/16}', 'containers:']; for (let i = 0; i < n; i++) lines.push(`  c${i}: {ports: ["${i === 333 ? v : 10000 + i}:80"]}`); return lines.join('\n') + '\n'; };
const cache = new LoadCache();
writeFileSync(file, gen(20000));
let spec = (await loadSpec(file, { cache })).value;
let r = await reconcile(spec, { dryRun: false, deep: true });
let hc = observeKernel();
await hc;
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 });
for (let k = 0; k < K; k++) {
  await new Promise((r) => setTimeout(r, 500));
  writeFileSync(file, gen(40000 + k));
  if (k === 0) await session.post('Profiler.start');
  const t0 = performance.now();
  const sp = loadSpec(file, { cache });
  const early = observeEarly(spec, hc);
  const s = await sp;
  const p = await planReconcile(s.value, { deep: false, early: await early, prefetched: hc });
  const t1 = performance.now();
  r = await commit(p.value);
  const t2 = performance.now();
  if (k === 0) { const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/edit.cpuprofile', JSON.stringify(profile)); }
  spec = s.value;
  hc = observeKernel();
  console.log(`plan ${(t1 - t0).toFixed(1)} commit ${(t2 - t1).toFixed(1)} total ${(t2 - t0).toFixed(1)} actions ${r.value.actions.length}`);
}
