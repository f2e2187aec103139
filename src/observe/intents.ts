// Reads the marks an apply records under /run/tnet/creating before it creates namespaces.

import { readdirSync } from 'node:fs';
import { INTENTS_SUFFIX, parseIntents } from '../ownership/intents.js';
import { INTENT_DIR } from '../ownership/paths.js';
import { readTextOr } from '../util/read-text.js';

/**
 * Name → mark, for each intent but those `except` names (the check after an apply leaves out the apply's
 * own, dropped by the time it counts). An apply records its intents in one file, `.<time>-….intents`, a line
 * `name<TAB>mark` each; an older tnet wrote a file per namespace, named for it, holding its mark. Those are
 * read first, then the apply files in the order they were recorded: a later record of a name wins.
 * Synchronous, as readNetnsFiles: fs/promises took the main thread ~0.1 s of thread-pool round trips to read
 * a thousand intents back.
 */
export async function observeIntents(except: ReadonlySet<string> = new Set(), dir: string = INTENT_DIR): Promise<Record<string, string>> {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const n of entries) {
    if (n.startsWith('.') || except.has(n)) continue;
    const mark = readTextOr(`${dir}/${n}`, '').trim();
    if (mark) out[n] = mark;
  }
  for (const n of entries) {
    if (!n.startsWith('.') || !n.endsWith(INTENTS_SUFFIX)) continue;
    for (const [name, mark] of Object.entries(parseIntents(readTextOr(`${dir}/${n}`, '')))) if (!except.has(name)) out[name] = mark;
  }
  return out;
}
