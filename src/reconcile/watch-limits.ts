// What `tnet watch` will ask of inotify, checked before it holds any watch: read in observe/, judged in plan/.

import { statSync } from 'node:fs';
import { tnetError, type TnetError } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import { listDir, readInotify } from '../observe/limits.js';
import { ETC_NETNS } from '../ownership/paths.js';
import { checkWatches, type WatchNeeds } from '../plan/check-limits.js';
import { isSpecFile } from '../spec/load.js';

/**
 * Measured (one node process, tnet watch on a folder of one spec file, 600 containers): one inotify
 * instance (libuv shares one per event loop, chokidar included) and 603 watches: the spec's folder and its
 * file (chokidar), /etc/netns and each of its 600 folders (watch/netns-files-events.ts).
 */
export function watchNeeds(target: string, spec: Spec | null): WatchNeeds {
  const isDir = statSync(target, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const specFiles = isDir ? listDir(target).filter(isSpecFile).length : 1;
  // The folders there now, and those the spec's containers will get (one per namespace, named after it).
  const folders = new Set(listDir(ETC_NETNS));
  for (const c of Object.values(spec?.containers ?? {})) if (c.network.kind !== 'host') folders.add(c.name);
  return { watches: 1 + specFiles + 1 + folders.size, instances: 1, folders: folders.size };
}

export function inotifyErrors(target: string, spec: Spec | null): TnetError[] {
  return checkWatches(readInotify(), watchNeeds(target, spec));
}

/** A watch that failed for want of inotify (ENOSPC: watches; EMFILE: instances), said with the limit to raise. */
export function inotifyFailure(what: string, e: Error): TnetError | null {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EMFILE') return null;
  const key = code === 'ENOSPC' ? 'fs.inotify.max_user_watches' : 'fs.inotify.max_user_instances';
  return tnetError('host-limit', `watching ${what} failed: ${e.message}: this user's processes hold as many inotify ${code === 'ENOSPC' ? 'watches' : 'instances'} as ${key} allows`, {
    hint: `raise it (sysctl -w ${key}=…, and in /etc/sysctl.d/), then restart tnet watch; until then changes there are missed`,
  });
}
