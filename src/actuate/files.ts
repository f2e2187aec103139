// Writes and removes the per-namespace files under /etc/netns; sets sysctls through /proc/sys.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { run } from '../util/exec.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { Action } from '../model/action.js';

type FileAction = Extract<Action, { op: 'file-write' | 'dir-remove' | 'sysctl' }>;

export async function applyFiles(actions: FileAction[]): Promise<TnetError[]> {
  const errors: TnetError[] = [];
  for (const a of actions) {
    try {
      await applyOne(a);
    } catch (e) {
      errors.push(tnetError('io', `${describe(a)} failed: ${(e as Error).message}`));
    }
  }
  return errors;
}

async function applyOne(a: FileAction): Promise<void> {
  if (a.op === 'file-write') {
    // No temporary file beside it: `ip netns exec` bind-mounts every file of that folder over /etc.
    await mkdir(dirname(a.path), { recursive: true });
    await writeFile(a.path, a.content);
  } else if (a.op === 'dir-remove') {
    await rm(a.path, { recursive: true, force: true });
  } else {
    const path = `/proc/sys/${a.key.replace(/\./g, '/')}`;
    // net.bridge.* exists only once br_netfilter is loaded, as dockerd loads it.
    if (a.key.startsWith('net.bridge.') && !existsSync(path)) await run('modprobe', ['br_netfilter']);
    await writeFile(path, a.value);
  }
}

function describe(a: FileAction): string {
  return a.op === 'sysctl' ? `setting ${a.key}` : `${a.op} ${a.path}`;
}
