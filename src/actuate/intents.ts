// Records, before namespaces are created, the marks they will carry: the crash-safety net of the first phase.

import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tnetError, type TnetError } from '../model/errors.js';
import { INTENT_DIR } from '../ownership/paths.js';

// Synchronous: one tiny file per namespace in a tmpfs, where thread-pool round trips would cost more than the writes.
export async function recordIntents(intents: Map<string, string>): Promise<TnetError[]> {
  if (intents.size === 0) return [];
  try {
    mkdirSync(INTENT_DIR, { recursive: true });
    for (const [name, mark] of intents) writeFileSync(`${INTENT_DIR}/${name}`, mark);
    return [];
  } catch (e) {
    return [tnetError('io', `recording namespace marks under ${INTENT_DIR} failed: ${(e as Error).message}`)];
  }
}

/**
 * Once the namespaces carry their marks, the records have served. One unlink each: rmSync's checks before
 * it (a JavaScript rimraf, an lstat first) cost ~30 ms for 1,000 namespaces under a profiler.
 */
export async function dropIntents(intents: Map<string, string>): Promise<TnetError[]> {
  for (const name of intents.keys()) {
    try {
      unlinkSync(`${INTENT_DIR}/${name}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return [tnetError('io', `dropping the record of namespace ${name} under ${INTENT_DIR} failed: ${(e as Error).message}`)];
    }
  }
  return [];
}
