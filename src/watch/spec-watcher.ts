// Watches the spec, a file or a folder of *.yaml, and reports that something changed; the loader reads it again.

import { watch, type FSWatcher } from 'chokidar';
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isSpecFile } from '../spec/load.js';

export interface SpecWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Which paths count for the spec at `target`: the loader's rule for a folder, the file itself otherwise. */
export function specFilter(target: string, isDir: boolean): (path: string) => boolean {
  const root = resolve(target);
  if (!isDir) return (p) => resolve(p) === root;
  // The loader's rule: *.yaml and *.yml directly in the folder, dotfiles (editor swap and backup files) aside.
  return (p) => dirname(resolve(p)) === root && isSpecFile(basename(p));
}

/**
 * A file is watched through its folder: editors save by writing a temporary file and renaming it over the
 * original, which replaces the inode a watch on the file itself would follow. Every add, change and unlink of
 * a spec path is reported; the caller debounces, so a `git pull` of many files becomes one reload.
 */
export function watchSpec(target: string, onChange: (path: string) => void, onError: (e: Error) => void): SpecWatcher {
  const isDir = statSync(target, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const counts = specFilter(target, isDir);
  const root = resolve(isDir ? target : dirname(target));
  const w: FSWatcher = watch(root, {
    ignoreInitial: true,
    depth: 0,
    // Only the folder itself and spec paths: the rest of a checkout (.git, README) costs no inotify watch.
    ignored: (p: string) => resolve(p) !== root && !counts(p),
  });
  for (const ev of ['add', 'change', 'unlink'] as const) w.on(ev, (p: string) => onChange(p));
  w.on('error', (e: unknown) => onError(e instanceof Error ? e : new Error(String(e))));
  const ready = new Promise<void>((r) => w.once('ready', () => r()));
  return { ready, close: () => w.close() };
}
