// Reads the kernel limits an apply or a watch could run into halfway: a few /proc files, and /proc walked for inotify.

import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import type { HostLimits } from '../model/observed.js';
import { NETNS_DIR } from '../ownership/paths.js';
import { openFilesLimit } from '../util/exec.js';
import { pidsIn } from './holders.js';

export const UNKNOWN_LIMITS: HostLimits = { neighbours: null, netns: null, netnsInUse: null, mountMax: null, mounts: null, netnsDirMounted: true, openFiles: null };

/**
 * `creates`: namespaces the plan creates; only then are the namespaces that exist counted (a walk of /proc)
 * and perhaps the mounts. `named`: the ids of those under /run/netns, as observed.
 */
export function readLimits(creates: number, named: readonly string[] = []): HostLimits {
  const netns = readNumber('user/max_net_namespaces');
  const mountMax = creates > 0 ? readNumber('fs/mount-max') : null;
  // Each named namespace is a mount; mountinfo costs the kernel ~6 µs a mount to write (12 ms for 2,000,
  // measured), which every edit adding a container would pay: read only once the named namespaces alone
  // come within half of the limit. Below, the host's other mounts would have to fill the other half.
  const table = mountMax !== null && named.length + creates > mountMax / 2 ? mountTable() : null;
  return {
    // Only the first network namespace has net/ipv4/neigh/default; the table is the whole machine's anyway.
    neighbours: readNumber('net/ipv4/neigh/default/gc_thresh3'),
    netns,
    // The walk costs ~20 µs a process: done once the named namespaces alone come within half of the limit.
    netnsInUse: creates > 0 && netns !== null && named.length + creates > netns / 2 ? namespacesInUse(named) : null,
    mountMax,
    mounts: table ? table.length : null,
    netnsDirMounted: table ? table.some((l) => l.split(' ')[4] === NETNS_DIR) : true,
    openFiles: openFilesLimit()?.hard ?? null,
  };
}

/** A sysctl as a number; null when it is not there or not a number. */
function readNumber(key: string): number | null {
  try {
    const n = Number(readFileSync(`/proc/sys/${key}`, 'utf8').trim());
    return Number.isSafeInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/**
 * Every process's network namespace and the named ones, each once. PID 1's is left out: the first namespace
 * is not counted against the limit (and where PID 1 cannot be seen, as in a user namespace of its own, the
 * namespace tnet runs in is one that counts). Namespaces only a socket or a bind mount elsewhere holds are not
 * seen: a lower bound.
 */
function namespacesInUse(named: readonly string[]): number {
  // By inode: every namespace file is on the one nsfs, and a readlink (`net:[ino]`) costs a third of a stat.
  const inodes = new Set(named.filter(Boolean).map((id) => id.split(':')[1]));
  const first = inodeOf('1');
  for (const pid of pidsIn('/proc')) {
    const ino = inodeOf(String(pid));
    if (ino) inodes.add(ino);
  }
  if (first) inodes.delete(first);
  return inodes.size;
}

function inodeOf(pid: string): string | null {
  try {
    return /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`))?.[1] ?? null;
  } catch {
    return null;
  }
}

function mountTable(): string[] | null {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean);
  } catch {
    return null;
  }
}

/** inotify's limits per user, and what this user's processes hold of them now. */
export interface InotifyUse {
  maxWatches: number | null;
  maxInstances: number | null;
  watches: number;
  instances: number;
}

/**
 * Counts the inotify instances and watches of every process of this user, from /proc/<pid>/fdinfo (one
 * `inotify wd:` line per watch): the kernel charges them to the user, not the process. Processes that vanish
 * or that /proc does not show are left out, so the counts are a lower bound.
 */
export function readInotify(uid = process.getuid?.() ?? 0): InotifyUse {
  let watches = 0;
  let instances = 0;
  for (const pid of pidsIn('/proc')) {
    try {
      if (statSync(`/proc/${pid}`).uid !== uid) continue;
    } catch {
      continue;
    }
    for (const fd of listDir(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
        const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
        instances++;
        watches += info.split('\n').filter((l) => l.startsWith('inotify wd:')).length;
      } catch {
        // closed meanwhile
      }
    }
  }
  return {
    maxWatches: lower(readNumber('fs/inotify/max_user_watches'), readNumber('user/max_inotify_watches')),
    maxInstances: lower(readNumber('fs/inotify/max_user_instances'), readNumber('user/max_inotify_instances')),
    watches,
    instances,
  };
}

/**
 * fs.inotify.* is the first user namespace's limit, user.max_inotify_* this one's (the same value in the
 * first): both apply.
 */
function lower(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

/** The entries of a folder; none when it cannot be read. */
export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
