// Reads the marks an apply records under /run/tnet/creating before it creates namespaces.

import { readdir, readFile } from 'node:fs/promises';
import { INTENT_DIR } from '../ownership/paths.js';

export async function observeIntents(): Promise<Record<string, string>> {
  const names = await readdir(INTENT_DIR).catch(() => [] as string[]);
  const marks = await Promise.all(names.map((n) => readFile(`${INTENT_DIR}/${n}`, 'utf8').catch(() => '')));
  return Object.fromEntries(names.flatMap((n, i) => (marks[i] ? [[n, marks[i].trim()]] : [])));
}
