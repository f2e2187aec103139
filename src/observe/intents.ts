// Reads the marks an apply records under /run/tnet/creating before it creates namespaces.

import { readdirSync } from 'node:fs';
import { INTENT_DIR } from '../ownership/paths.js';
import { readTextOr } from '../util/read-text.js';

/**
 * Name → mark, for each intent but those `except` names (the check after an apply leaves out the apply's
 * own, dropped by the time it counts). Synchronous, as readNetnsFiles: an apply of a thousand new namespaces
 * records a thousand intents, and fs/promises took the main thread ~0.1 s of thread-pool round trips to read
 * them back.
 */
export async function observeIntents(except: ReadonlySet<string> = new Set()): Promise<Record<string, string>> {
  let names: string[];
  try {
    names = readdirSync(INTENT_DIR);
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const n of names) {
    if (except.has(n)) continue;
    const mark = readTextOr(`${INTENT_DIR}/${n}`, '').trim();
    if (mark) out[n] = mark;
  }
  return out;
}
