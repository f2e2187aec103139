// Writes and removes the per-namespace files under /etc/netns; sets sysctls through /proc/sys.

import { rm, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { mapLimit, run } from '../util/exec.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { Action } from '../model/action.js';

type FileAction = Extract<Action, { op: 'file-write' | 'dir-remove' | 'sysctl' }>;

const FILES_IN_FLIGHT = 32;
/** Folders written between two turns of the event loop: pipes to the processes working meanwhile keep flowing. */
const FOLDERS_PER_TURN = 64;

export async function applyFiles(actions: FileAction[]): Promise<TnetError[]> {
  const errors: TnetError[] = [];
  const writes = new Map<string, Extract<FileAction, { op: 'file-write' }>[]>();
  for (const a of actions) if (a.op === 'file-write') writes.set(dirname(a.path), [...(writes.get(dirname(a.path)) ?? []), a]);
  let written = 0;
  for (const [dir, files] of writes) {
    if (++written % FOLDERS_PER_TURN === 0) await new Promise((r) => setImmediate(r));
    try {
      writeFolder(dir, files);
    } catch (e) {
      errors.push(tnetError('io', `writing ${files.map((f) => f.path).join(', ')} failed: ${(e as Error).message}`));
    }
  }
  const attempt = async (a: FileAction) => {
    try {
      await applyOne(a);
    } catch (e) {
      errors.push(tnetError('io', `${describe(a)} failed: ${(e as Error).message}`));
    }
  };
  // Sysctls in plan order, one at a time; folder removals side by side.
  for (const a of actions) if (a.op === 'sysctl') await attempt(a);
  await mapLimit(actions.filter((a) => a.op === 'dir-remove'), FILES_IN_FLIGHT, attempt);
  return errors;
}

// A new folder is written under a dot-folder beside the target and renamed into place, whole: a tnet killed
// mid-write then leaves no folder, or one whose hosts file carries the mark; never one the next run would refuse
// as a stranger's. Not inside the target folder: `ip netns exec` bind-mounts every file of it over /etc. A staging
// folder left by a crash carries the mark, so the next run prunes it.
// Files of an existing folder are rewritten in place, as Docker rewrites /etc/hosts: a process started earlier by
// `ip netns exec` holds a bind mount of the file itself, and a renamed file would leave it reading the old one.
// Synchronous calls: a handful of tiny files per folder, cheaper than the thread pool's round trips.
function writeFolder(dir: string, files: Extract<FileAction, { op: 'file-write' }>[]): void {
  if (existsSync(dir)) {
    // Truncated and written in one call each: a reader sees the old content, the new, or for an instant none.
    for (const f of files) writeFileSync(f.path, f.content);
    return;
  }
  const staging = join(dirname(dir), `.tnet-${basename(dir)}`);
  // Looked for first: rmSync of a path that is not there throws and catches an error, ~60 µs a folder.
  if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // hosts first: from then on the staging folder is recognisably tnet's.
  const ordered = [...files].sort((a, b) => Number(basename(b.path) === 'hosts') - Number(basename(a.path) === 'hosts'));
  for (const f of ordered) writeFileSync(join(staging, basename(f.path)), f.content);
  renameSync(staging, dir);
}

async function applyOne(a: FileAction): Promise<void> {
  if (a.op === 'dir-remove') {
    await rm(a.path, { recursive: true, force: true });
  } else if (a.op === 'sysctl') {
    const path = `/proc/sys/${a.key.replace(/\./g, '/')}`;
    // net.bridge.* exists only once br_netfilter is loaded, as dockerd loads it.
    if (a.key.startsWith('net.bridge.') && !existsSync(path)) await run('modprobe', ['br_netfilter']);
    await writeFile(path, a.value);
  }
  // file-write: by writeFolder
}

function describe(a: FileAction): string {
  return a.op === 'sysctl' ? `setting ${a.key}` : `${a.op} ${a.path}`;
}
