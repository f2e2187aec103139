// Which processes are inside given network namespaces: one pass over /proc/*/ns/net, compared by identity.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { NamedProcess } from '../model/observed.js';

/**
 * The processes inside each namespace `ids` maps (its `dev:ino`, as listNetns gives it, to its name), in pid
 * order; a namespace no process is in is left out. Processes only: an open file or another mount of it keeps
 * a namespace too, and names no one. `proc` is /proc but in tests.
 */
export function netnsHolders(ids: ReadonlyMap<string, string>, proc = '/proc'): Map<string, NamedProcess[]> {
  const out = new Map<string, NamedProcess[]>();
  if (ids.size === 0) return out;
  for (const pid of pidsIn(proc)) {
    const name = ids.get(identity(`${proc}/${pid}/ns/net`));
    if (name === undefined) continue;
    const found = { pid, comm: safe(() => readFileSync(`${proc}/${pid}/comm`, 'utf8').trim(), '?') };
    out.set(name, [...(out.get(name) ?? []), found]);
  }
  return out;
}

/** The numbered entries of /proc, lowest first. */
export function pidsIn(proc: string): number[] {
  return safe(() => readdirSync(proc), [] as string[])
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** `dev:ino` of a file, '' when it cannot be read: the process exited, or hides its namespace from us. */
function identity(path: string): string {
  const s = safe(() => statSync(path, { throwIfNoEntry: false }), undefined);
  return s ? `${s.dev}:${s.ino}` : '';
}

function safe<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}
