// dev harness (not committed): reconcile loop in-process inside a sandbox
import { writeFileSync } from 'node:fs';
import { loadSpec } from '../dist/src/reconcile/load.js';
import { LoadCache } from '../dist/src/reconcile/load.js';
import { reconcile } from '../dist/src/engine/reconcile.js';
import { observeKernel } from '../dist/src/observe/index.js';
const n = Number(process.argv[2] ?? 1000), K = Number(process.argv[3] ?? 10);
const file = process.argv[4];
const gen = (v) => { const lines = ['version: 1', 'name: bench', 'bridges:', '  docker0: {subnet: 172.17.0.0/16}', 'containers:']; for (let i = 0; i < n; i++) lines.push(`  c${i}: {ports: ["${i === 333 ? v : 10000 + i}:80"]}`); return lines.join('\n') + '\n'; };
const cache = new LoadCache();
writeFileSync(file, gen(20000));
let spec = (await loadSpec(file, { cache })).value;
let r = await reconcile(spec, { dryRun: false, deep: true });
let hc = observeKernel();
for (let k = 0; k < K; k++) {
  writeFileSync(file, gen(40000 + k));
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  spec = (await loadSpec(file, { cache })).value;
  const t1 = performance.now();
  r = await reconcile(spec, { dryRun: false, deep: false, prefetched: hc });
  const t2 = performance.now();
  hc = observeKernel();
  if (!r.ok) { console.log(JSON.stringify(r.errors).slice(0, 800)); process.exit(1); }
  console.log(`load ${(t1 - t0).toFixed(1)} reconcile ${(t2 - t1).toFixed(1)} actions ${r.value.actions.length}`);
}
