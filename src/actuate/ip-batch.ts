// Runs `ip -batch` in the host namespace.

import type { TnetError } from '../model/errors.js';
import { run } from '../util/exec.js';
import { batchError } from './batch-error.js';

/** `force`: go on past a line that fails (`ip -force`), as an undo does; the first failure is still reported. */
export async function hostBatch(lines: string[], force = false): Promise<TnetError[]> {
  if (lines.length === 0) return [];
  const r = await run('ip', [...(force ? ['-force'] : []), '-batch', '-'], lines.join('\n') + '\n');
  return r.code === 0 ? [] : [batchError('ip', 'host', lines, r.stderr)];
}
