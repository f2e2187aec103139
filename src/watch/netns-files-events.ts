// Listens to changes of the files under /etc/netns through inotify: a watch on the folder and one on each of its folders.

import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface FilesEvents {
  /**
   * Watches the folders there are now (a reconcile may have added or removed some); true when all of them
   * and the root are watched, so that any change from now on will be reported.
   */
  sync(): boolean;
  close(): void;
}

/**
 * `onChange`: something was created, written, renamed or removed in one of the folders, or in the root
 * (`folders` true: a folder came or went, and is watched or forgotten at the next sync() only; a thousand
 * folders created by one apply must not cost a thousand syncs).
 */
export function watchNetnsFiles(root: string, onChange: (folders: boolean) => void, onRefused: (path: string, e: Error) => void = () => undefined): FilesEvents {
  let top: FSWatcher | null = null;
  const dirs = new Map<string, FSWatcher | null>();
  let closed = false;

  const forget = (name: string) => {
    dirs.get(name)?.close();
    dirs.delete(name);
  };
  const sync = (): boolean => {
    if (closed) return false;
    top ??= open(root, () => onChange(true), () => {
      top?.close();
      top = null;
      onChange(true);
    }, onRefused);
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return false;
    }
    const present = new Set(names);
    for (const n of [...dirs.keys()]) if (!present.has(n)) forget(n);
    for (const n of names) if (!dirs.get(n)) dirs.set(n, open(join(root, n), () => onChange(false), () => (forget(n), onChange(true)), onRefused));
    return top !== null && [...dirs.values()].every((w) => w !== null);
  };
  return {
    sync,
    close() {
      closed = true;
      top?.close();
      for (const n of [...dirs.keys()]) forget(n);
    },
  };
}

/**
 * null when it cannot be watched: gone already or not a folder (nothing to say), or refused by inotify's
 * limits (`onRefused`: the folder's files are then read afresh on every reconcile, which must not go unsaid).
 */
function open(path: string, onEvent: () => void, onError: () => void, onRefused: (path: string, e: Error) => void): FSWatcher | null {
  try {
    const w = watch(path, { persistent: false }, onEvent);
    w.on('error', onError);
    return w;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EMFILE') onRefused(path, e as Error);
    return null;
  }
}
