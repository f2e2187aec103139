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

/** `onChange`: something was created, written, renamed or removed, in the root or in one of its folders. */
export function watchNetnsFiles(root: string, onChange: () => void): FilesEvents {
  let top: FSWatcher | null = null;
  const dirs = new Map<string, FSWatcher | null>();
  let closed = false;

  const forget = (name: string) => {
    dirs.get(name)?.close();
    dirs.delete(name);
  };
  const sync = (): boolean => {
    if (closed) return false;
    top ??= open(root, () => {
      onChange();
      sync(); // a folder added or removed: watched or forgotten at once
    }, () => {
      top?.close();
      top = null;
    });
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return false;
    }
    for (const n of [...dirs.keys()]) if (!names.includes(n)) forget(n);
    for (const n of names) if (!dirs.get(n)) dirs.set(n, open(join(root, n), onChange, () => forget(n)));
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

/** null when it cannot be watched (gone already, not a folder, out of inotify watches). */
function open(path: string, onEvent: () => void, onError: () => void): FSWatcher | null {
  try {
    const w = watch(path, { persistent: false }, onEvent);
    w.on('error', () => (onError(), onEvent()));
    return w;
  } catch {
    return null;
  }
}
