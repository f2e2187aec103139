// Reads the per-namespace hosts and resolv.conf files under /etc/netns.

import { readdirSync, readFileSync } from 'node:fs';
import { ETC_NETNS } from './paths.js';

export const NETNS_FILES = ['hosts', 'resolv.conf'];

export interface FilesObservation {
  dirs: string[];
  files: Record<string, string>;
}

/**
 * Synchronous on purpose: thousands of tiny files read one after another take ~20 ms, while fs/promises
 * spends ten times that on thread-pool round trips (open, fstat, read, close each).
 */
export async function observeFiles(): Promise<FilesObservation> {
  let names: string[];
  try {
    names = readdirSync(ETC_NETNS).sort();
  } catch {
    return { dirs: [], files: {} };
  }
  const files: Record<string, string> = {};
  for (const n of names) {
    for (const f of NETNS_FILES) {
      const path = `${ETC_NETNS}/${n}/${f}`;
      try {
        files[path] = readFileSync(path, 'utf8');
      } catch {
        // missing: the diff writes it
      }
    }
  }
  return { dirs: names.map((n) => `${ETC_NETNS}/${n}`), files };
}
