// Runs the compiled uvu test files one by one and ends with a "N passed, N failed" line.
// `unit` runs only the tests that need no root; root tests make their own throwaway namespaces.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const onlyUnit = process.argv[2] === 'unit';
const files = walk('dist/test').filter((f) => f.endsWith('.test.js'));
const wanted = files.filter((f) => !(onlyUnit && f.includes('.e2e.')));
let passed = 0;
let failed = 0;
const failures = [];
for (const file of wanted) {
  // TNET_FREEZE: every tnet the tests run hands the planner frozen values (see src/reconcile/reconcile.ts).
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TNET_FREEZE: '1' } });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const p = Number(/Passed:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  const t = Number(/Total:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  passed += p;
  const f = Math.max(t - p - Number(/Skipped:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0), r.status === 0 ? 0 : 1);
  failed += f;
  if (f > 0) failures.push(file);
}
if (failures.length) console.log(`failed files: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || wanted.length === 0 ? 1 : 0;

function walk(dir) {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
