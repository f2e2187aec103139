// Reads the per-namespace hosts and resolv.conf files under /etc/netns.

import { readdirSync, readFileSync } from 'node:fs';
import { ETC_NETNS } from '../ownership/paths.js';

export const NETNS_FILES = ['hosts', 'resolv.conf'];

export interface FilesObservation {
  dirs: string[];
  files: Record<string, string>;
}

/** Reads /etc/netns elsewhere than on the calling thread (files-worker.ts), or from what watch mode keeps. */
export interface FilesReader {
  read(root: string, fileNames: string[]): Promise<FilesObservation>;
  close(): Promise<void>;
}

/**
 * Synchronous on purpose: thousands of tiny files read one after another take ~15 ms, while fs/promises
 * spends ten times that on thread-pool round trips (open, fstat, read, close each). files-thread.ts runs this
 * very function in a worker thread.
 */
export function readNetnsFiles(root: string, fileNames: string[]): FilesObservation {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return { dirs: [], files: {} };
  }
  const files: Record<string, string> = {};
  for (const n of names) {
    for (const f of fileNames) {
      const path = `${root}/${n}/${f}`;
      try {
        files[path] = readFileSync(path, 'utf8');
      } catch {
        // missing: the diff writes it
      }
    }
  }
  return { dirs: names.map((n) => `${root}/${n}`), files };
}

/**
 * Through `reader` when given (watch mode: a worker thread, off the thread that desires and plans meanwhile),
 * at once; a reader that fails hands the read back here. On this thread, at the next turn of the event loop:
 * the caller desires meanwhile, which needs no file.
 */
export function observeFiles(reader?: FilesReader | null): Promise<FilesObservation> {
  const read = () => readNetnsFiles(ETC_NETNS, NETNS_FILES);
  if (reader) return reader.read(ETC_NETNS, NETNS_FILES).catch(read);
  return new Promise<void>((r) => setImmediate(r)).then(read);
}
