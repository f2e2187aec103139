// Renders and runs VXLAN forwarding entries as one `bridge -batch` for the host: `ip` has no fdb command.

import { FLOOD_MAC, type Action } from '../model/action.js';
import type { TnetError } from '../model/errors.js';
import { run } from '../util/exec.js';
import { batchError } from './batch-error.js';

export function fdbLines(a: Extract<Action, { op: 'fdb-add' | 'fdb-del' }>): string[] {
  // `append`, not `add`: several entries for the all-zeros MAC, one per peer, is what floods to every peer.
  return [`fdb ${a.op === 'fdb-add' ? 'append' : 'del'} ${FLOOD_MAC} dev ${a.dev} dst ${a.dst}`];
}

export async function fdbBatch(lines: string[]): Promise<TnetError[]> {
  if (lines.length === 0) return [];
  const r = await run('bridge', ['-batch', '-'], lines.join('\n') + '\n');
  return r.code === 0 ? [] : [batchError('bridge', 'host', lines, r.stderr)];
}
