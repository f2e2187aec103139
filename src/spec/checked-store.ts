// Valid specs kept under /run/tnet by the digest of their text: a one-shot command given unchanged text skips parsing and checking.
//
// A GitOps loop re-applies the same files again and again, and at ten thousand containers parsing and checking
// them costs most of a second. A Spec is a pure function of its sources, the name and host it was loaded for,
// and the code that checked it, so all of these make the key, and a spec that failed any check is never
// kept. Only root's own files are believed: a kept spec skips validation, so one another user could write
// would let them hand root a spec no check ever saw.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { Spec } from '../model/spec.js';
import { CHECKED_DIR } from '../ownership/paths.js';

/** What a load was asked for: with the sources, everything a Spec depends on. */
export interface CheckedKey {
  sources: readonly { file: string; text: string }[];
  defaultName: string;
  name: string | undefined;
  host: string;
}

export interface CheckedSpecs {
  get(key: CheckedKey): Spec | null;
  put(key: CheckedKey, spec: Spec): void;
}

/** How many sources' specs are kept: one slot per file or folder loaded (and name and host), newest kept. */
const SLOTS = 16;
/** Bumped when what is stored changes shape. */
const FORMAT = 1;

/**
 * The store under `dir`, or null where it cannot be trusted or used: not root, or code not built to files
 * whose change can be seen (the build id is what tells a spec checked by older code).
 */
export function checkedSpecs(dir: string = CHECKED_DIR, build: string | null = buildId()): CheckedSpecs | null {
  if (build === null || process.getuid?.() !== 0) return null;
  return new FileStore(dir, build);
}

class FileStore implements CheckedSpecs {
  constructor(
    private readonly dir: string,
    private readonly build: string,
  ) {}

  get(key: CheckedKey): Spec | null {
    try {
      if (!trusted(statSync(this.dir))) return null;
      const fd = openSync(this.path(key), 'r');
      try {
        if (!trusted(fstatSync(fd))) return null;
        const data = readFileSync(fd);
        const headLength = data.readUInt32LE(0);
        if (data.subarray(4, 4 + headLength).toString('utf8') !== this.digest(key)) return null;
        return deserialize(data.subarray(4 + headLength)) as Spec;
      } finally {
        closeSync(fd);
      }
    } catch {
      return null;
    }
  }

  /** Best effort: a store that cannot be written costs the next load its parse, nothing else. */
  put(key: CheckedKey, spec: Spec): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (!trusted(statSync(this.dir))) return;
      const head = Buffer.from(this.digest(key), 'utf8');
      const size = Buffer.alloc(4);
      size.writeUInt32LE(head.length);
      const path = this.path(key);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([size, head, serialize(spec)]), { mode: 0o600 });
      renameSync(tmp, path);
      this.evict();
    } catch {
      // Read-only /run, a full tmpfs: nothing is kept.
    }
  }

  /** The slot: which sources were loaded and how; the digest inside says whether their text is the same. */
  private path(key: CheckedKey): string {
    const where = JSON.stringify([key.sources.map((s) => s.file), key.defaultName, key.name ?? null, key.host]);
    return join(this.dir, `${sha256(where).slice(0, 32)}.spec`);
  }

  private digest(key: CheckedKey): string {
    return sha256(JSON.stringify([FORMAT, this.build, key.sources, key.defaultName, key.name ?? null, key.host]));
  }

  private evict(): void {
    const slots = readdirSync(this.dir)
      .filter((f) => f.endsWith('.spec'))
      .map((f) => ({ f, at: statSync(join(this.dir, f)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const { f } of slots.slice(SLOTS)) unlinkSync(join(this.dir, f));
  }
}

/** Root's, and writable by root alone. */
function trusted(st: { uid: number; mode: number }): boolean {
  return st.uid === 0 && (st.mode & 0o022) === 0;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * The code that checks specs, as the names, sizes and times of the files it was built to: the bundle's
 * folder (dist/bin). Compiled modules (dist/src, the tests) are spread over folders whose change this would
 * not see: no store for them.
 */
function buildId(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  if (basename(here) !== 'bin') return null;
  try {
    const files = readdirSync(here).filter((f) => /\.[cm]?js$/.test(f)).sort();
    return sha256(JSON.stringify(files.map((f) => {
      const st = statSync(join(here, f));
      return [f, st.size, st.mtimeMs];
    })));
  } catch {
    return null;
  }
}
