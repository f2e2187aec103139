// A worker thread that reads /etc/netns for watch mode, on the second core while the first one plans.

import { Worker } from 'node:worker_threads';
import type { FilesObservation, FilesReader } from './files.js';

// Beside this module both in dist/src/observe and in the bundle (dist/bin): scripts/bundle.mjs makes it an
// entry point of its own.
const THREAD = new URL('./files-thread.js', import.meta.url);

interface Reply {
  id: number;
  value?: FilesObservation;
  error?: string;
}

/**
 * Requests are answered in order. The worker never keeps the process alive; if it dies, pending and later
 * reads reject and the caller reads on its own thread instead.
 */
export function startFilesWorker(): FilesReader {
  const worker = new Worker(THREAD);
  worker.unref();
  const waiting = new Map<number, { ok: (v: FilesObservation) => void; ko: (e: Error) => void }>();
  let next = 0;
  let dead: Error | null = null;
  const failAll = (e: Error) => {
    dead = e;
    for (const w of waiting.values()) w.ko(e);
    waiting.clear();
  };
  worker.on('message', (m: Reply) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.value) w?.ok(m.value);
    else w?.ko(new Error(m.error ?? 'no answer'));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`files worker exited (${code})`)));
  return {
    read: (root, fileNames) => {
      if (dead) return Promise.reject(dead);
      const id = next++;
      return new Promise((ok, ko) => {
        waiting.set(id, { ok, ko });
        worker.postMessage({ id, root, fileNames });
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
