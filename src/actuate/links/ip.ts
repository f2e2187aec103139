// The `ip` link backend: `nsenter … ip -batch` per namespace, then the seals in one host `ip -batch`.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action, SealAction } from '../../model/action.js';
import type { LinkBackend } from '../../model/backends.js';
import type { TnetError } from '../../model/errors.js';
import { NETNS_DIR } from '../../ownership/paths.js';
import { chunk, mapLimit, run } from '../../util/exec.js';
import { batchError } from '../batch-error.js';
import { hostBatch } from '../ip-batch.js';
import { ipLines } from '../link-ops.js';

/** Always serves: it needs only what tnet needs anyway. Slower than the worker by two exec()s per namespace. */
export const ipLinks: LinkBackend = { name: 'ip', configure };

async function configure(jobs: ReadonlyMap<string, Action[]>, seals: SealAction[]): Promise<TnetError[]> {
  const errors = await namespaceBatches(new Map([...jobs].map(([ns, actions]) => [ns, actions.flatMap(ipLines)])));
  // A failed namespace leaves every seal unset: the next run enters those namespaces again.
  return errors.length ? errors : hostBatch(seals.flatMap(ipLines));
}

// Entering a namespace costs a process, so each shell enters several in turn; a few shells run side by side.
const LOOP = `d="$1"; shift; for n in "$@"; do nsenter --net="${NETNS_DIR}/$n" ip -batch "$d/$n" 2>"$d/$n.err" || echo "$n"; done`;
const PARALLEL = Number(process.env.TNET_PARALLEL ?? 4);
const FILES_IN_FLIGHT = 32;

async function namespaceBatches(batches: Map<string, string[]>): Promise<TnetError[]> {
  if (batches.size === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'tnet-'));
  try {
    // Bounded: ten thousand writes at once would each hold an open file, past a soft limit of 1024.
    await mapLimit([...batches], FILES_IN_FLIGHT, ([ns, lines]) => writeFile(join(dir, ns), lines.join('\n') + '\n'));
    const runs = await Promise.all(
      chunk([...batches.keys()], PARALLEL).map((names) => run('sh', ['-c', LOOP, 'tnet', dir, ...names])),
    );
    const failed = runs.flatMap((r) => r.stdout.split('\n').filter(Boolean));
    return mapLimit(failed, FILES_IN_FLIGHT, async (ns) => batchError('ip', ns, batches.get(ns)!, await readFile(join(dir, `${ns}.err`), 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
