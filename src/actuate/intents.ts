// Records, before namespaces are created, the marks they will carry: the crash-safety net of the first phase.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tnetError, type TnetError } from '../model/errors.js';
import { INTENT_DIR } from '../observe/paths.js';

export async function recordIntents(intents: Map<string, string>): Promise<TnetError[]> {
  if (intents.size === 0) return [];
  try {
    await mkdir(INTENT_DIR, { recursive: true });
    await Promise.all([...intents].map(([name, mark]) => writeFile(`${INTENT_DIR}/${name}`, mark)));
    return [];
  } catch (e) {
    return [tnetError('io', `recording namespace marks under ${INTENT_DIR} failed: ${(e as Error).message}`)];
  }
}

/** Once the namespaces carry their marks, the records have served. */
export async function dropIntents(intents: Map<string, string>): Promise<TnetError[]> {
  await Promise.all([...intents.keys()].map((name) => rm(`${INTENT_DIR}/${name}`, { force: true })));
  return [];
}
