// Reads the per-namespace hosts and resolv.conf files under /etc/netns.

import { readdir, readFile } from 'node:fs/promises';
import { ETC_NETNS } from './paths.js';

export const NETNS_FILES = ['hosts', 'resolv.conf'];

export interface FilesObservation {
  dirs: string[];
  files: Record<string, string>;
}

export async function observeFiles(): Promise<FilesObservation> {
  const names = (await readdir(ETC_NETNS).catch(() => [] as string[])).sort();
  const files: Record<string, string> = {};
  await Promise.all(
    names.flatMap((n) =>
      NETNS_FILES.map(async (f) => {
        const path = `${ETC_NETNS}/${n}/${f}`;
        const text = await readFile(path, 'utf8').catch(() => null);
        if (text !== null) files[path] = text;
      }),
    ),
  );
  return { dirs: names.map((n) => `${ETC_NETNS}/${n}`), files };
}
