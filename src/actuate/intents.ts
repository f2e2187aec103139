// Records, before namespaces are created, the marks they will carry: the crash-safety net of the first phase.

import { mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tnetError, type TnetError } from '../model/errors.js';
import { INTENT_DIR } from '../ownership/paths.js';
import { INTENTS_SUFFIX, parseIntents, renderIntents } from '../ownership/intents.js';
import { readTextOr } from '../util/read-text.js';

/**
 * Where one apply records its intents: one file for all of them (a name no namespace can have, as container
 * names start with a letter or digit), named by the time first so that names sort as they were recorded.
 * One file per namespace cost 1,000 writes before the host batch and 1,000 unlinks after (~0.25 s at 10,000).
 */
export function intentsFile(dir: string = INTENT_DIR): string {
  return `${dir}/.${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}${INTENTS_SUFFIX}`;
}

/** Written whole, then renamed into place: a tnet killed meanwhile leaves no half list, whose last name could be cut short. */
export async function recordIntents(intents: ReadonlyMap<string, string>, file: string): Promise<TnetError[]> {
  if (intents.size === 0) return [];
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, renderIntents(intents));
    renameSync(`${file}.tmp`, file);
    return [];
  } catch (e) {
    return [tnetError('io', `recording namespace marks in ${file} failed: ${(e as Error).message}`)];
  }
}

/**
 * Once the namespaces carry their marks, the records have served: this apply's file goes, and so does any
 * older record of the same namespaces (one an interrupted apply left, in a file of its own or, from an older
 * tnet, one per namespace), as recording a namespace again used to replace its record.
 */
export async function dropIntents(intents: ReadonlyMap<string, string>, file: string): Promise<TnetError[]> {
  if (intents.size === 0) return [];
  const dir = dirname(file);
  try {
    unlinkIfThere(file);
    for (const entry of entriesOf(dir)) {
      const path = `${dir}/${entry}`;
      if (!entry.startsWith('.')) {
        if (intents.has(entry)) unlinkIfThere(path);
      } else if (entry.endsWith(INTENTS_SUFFIX)) {
        dropFrom(path, intents);
      }
    }
    return [];
  } catch (e) {
    return [tnetError('io', `dropping the records of the namespaces under ${dir} failed: ${(e as Error).message}`)];
  }
}

/** An older apply's file without these namespaces: rewritten as a whole, or removed when none is left. */
function dropFrom(path: string, names: ReadonlyMap<string, string>): void {
  const text = readTextOr(path, null);
  if (text === null) return;
  const recorded = parseIntents(text);
  const left = Object.entries(recorded).filter(([name]) => !names.has(name));
  if (left.length === Object.keys(recorded).length) return;
  if (left.length === 0) {
    unlinkIfThere(path);
    return;
  }
  writeFileSync(`${path}.tmp`, renderIntents(left));
  renameSync(`${path}.tmp`, path);
}

/** The folder's entries; none when it is gone (removed by hand meanwhile: nothing left to drop). */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
