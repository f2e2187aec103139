// Runs `ip -batch`: one process for the host, one shell for many namespaces entered one after another.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TnetError } from '../model/errors.js';
import { NETNS_DIR } from '../ownership/paths.js';
import { chunk, run } from '../util/exec.js';
import { batchError } from './batch-error.js';
import { ipLines } from './link-ops.js';

export async function hostBatch(lines: string[]): Promise<TnetError[]> {
  if (lines.length === 0) return [];
  const r = await run('ip', ['-batch', '-'], lines.join('\n') + '\n');
  return r.code === 0 ? [] : [batchError('ip', 'host', lines, r.stderr)];
}

// Entering a namespace costs a process, so each shell enters several in turn; a few shells run side by side.
const LOOP = `d="$1"; shift; for n in "$@"; do nsenter --net="${NETNS_DIR}/$n" ip -batch "$d/$n" 2>"$d/$n.err" || echo "$n"; done`;
const PARALLEL = Number(process.env.TNET_PARALLEL ?? 4);

export async function namespaceBatches(batches: Map<string, string[]>): Promise<TnetError[]> {
  if (batches.size === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'tnet-'));
  try {
    await Promise.all([...batches].map(([ns, lines]) => writeFile(join(dir, ns), lines.join('\n') + '\n')));
    const runs = await Promise.all(
      chunk([...batches.keys()], PARALLEL).map((names) => run('sh', ['-c', LOOP, 'tnet', dir, ...names])),
    );
    const failed = runs.flatMap((r) => r.stdout.split('\n').filter(Boolean));
    return Promise.all(
      failed.map(async (ns) => batchError('ip', ns, batches.get(ns)!, await readFile(join(dir, `${ns}.err`), 'utf8'))),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Waits, bounded, until the host has none of these links left. A namespace some process still holds open
 * outlives its name and keeps its veth: those are deleted one by one after the wait.
 */
export async function awaitGone(devs: string[], timeoutMs = 3000): Promise<TnetError[]> {
  if (devs.length === 0) return [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run('ip', ['-j', 'link', 'show']);
    const present = new Set((JSON.parse(r.stdout || '[]') as { ifname: string }[]).map((l) => l.ifname));
    const left = devs.filter((d) => present.has(d));
    if (left.length === 0) return [];
    if (Date.now() > deadline) return hostBatch(left.flatMap((dev) => ipLines({ op: 'link-del', ns: null, dev })));
    await new Promise((r) => setTimeout(r, 50));
  }
}
