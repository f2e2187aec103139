// The worker thread behind files-worker.ts: reads /etc/netns with the very function the main thread uses.

import { parentPort } from 'node:worker_threads';
import { readNetnsFiles, type FilesObservation } from './files.js';

interface Request {
  id: number;
  root: string;
  fileNames: string[];
}

parentPort?.on('message', ({ id, root, fileNames }: Request) => {
  let value: FilesObservation | undefined;
  let error: string | undefined;
  try {
    value = readNetnsFiles(root, fileNames);
  } catch (e) {
    error = String(e);
  }
  parentPort?.postMessage({ id, value, error });
});
