// Runs `ip -batch` in the host namespace, and waits for links the kernel deletes asynchronously.

import type { TnetError } from '../model/errors.js';
import { run } from '../util/exec.js';
import { batchError } from './batch-error.js';
import { ipLines } from './link-ops.js';

/** `force`: go on past a line that fails (`ip -force`), as an undo does; the first failure is still reported. */
export async function hostBatch(lines: string[], force = false): Promise<TnetError[]> {
  if (lines.length === 0) return [];
  const r = await run('ip', [...(force ? ['-force'] : []), '-batch', '-'], lines.join('\n') + '\n');
  return r.code === 0 ? [] : [batchError('ip', 'host', lines, r.stderr)];
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
