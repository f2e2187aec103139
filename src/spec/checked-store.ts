// Valid specs kept under /run/tnet by the digest of their text: a one-shot command given unchanged text skips parsing and checking.
//
// A GitOps loop re-applies the same files again and again, and at ten thousand containers parsing and checking
// them costs most of a second. A Spec is a pure function of its sources, the name and host it was loaded for,
// and the code that checked it, so all of these make the key, and a spec that failed any check is never
// kept. Only root's own files are believed: a kept spec skips validation, so one another user could write
// would let them hand root a spec no check ever saw.

import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Spec } from '../model/spec.js';
import { CHECKED_DIR } from '../ownership/paths.js';
import { sha256Hex } from '../util/sha256.js';

/** What a load was asked for: with the sources, everything a Spec depends on. */
export interface CheckedKey {
  sources: readonly { file: string; text: string }[];
  defaultName: string;
  name: string | undefined;
  host: string;
}

export interface CheckedSpecs {
  get(key: CheckedKey): Spec | null;
  /** Kept for the next load; written later (FileStore.put says when), at the latest before the process exits. */
  put(key: CheckedKey, spec: Spec): void;
  /** Writes a put not written yet. */
  flush(): void;
}

/** How many sources' specs are kept: one slot per file or folder loaded (and name and host), newest kept. */
const SLOTS = 16;
/** How long after a load its spec is written at the latest, if the process lives that long. */
const PUT_AFTER_MS = 1000;
/** Bumped when what is stored changes shape (2: JSON, before it V8's serialization). */
const FORMAT = 2;

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

  /** A put not written yet: see put. */
  private pending: (() => void) | null = null;

  flush(): void {
    this.pending?.();
  }

  get(key: CheckedKey): Spec | null {
    this.flush();
    try {
      if (!trusted(statSync(this.dir))) return null;
      const fd = openSync(this.path(key), 'r');
      try {
        if (!trusted(fstatSync(fd))) return null;
        const data = readFileSync(fd);
        const headLength = data.readUInt32LE(0);
        if (data.subarray(4, 4 + headLength).toString('utf8') !== this.digest(key)) return null;
        return JSON.parse(data.subarray(4 + headLength).toString('utf8')) as Spec;
      } finally {
        closeSync(fd);
      }
    } catch {
      return null;
    }
  }

  /**
   * Written once this thread is likely idle (an apply waiting for its host batch), or as the process is about
   * to exit, whichever comes first; a get before that writes it first. The command waited for it on the way to
   * its plan: at 1,000 containers the walk, the JSON and the write took ~15 ms.
   */
  put(key: CheckedKey, spec: Spec): void {
    this.flush();
    const write = (): void => {
      if (this.pending !== write) return;
      this.pending = null;
      process.off('beforeExit', write);
      this.write(key, spec);
    };
    this.pending = write;
    setTimeout(write, PUT_AFTER_MS).unref();
    process.once('beforeExit', write);
  }

  /** Best effort: a store that cannot be written costs the next load its parse, nothing else. */
  private write(key: CheckedKey, spec: Spec): void {
    const text = plainJson(spec);
    if (text === null) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (!trusted(statSync(this.dir))) return;
      const head = Buffer.from(this.digest(key), 'utf8');
      const size = Buffer.alloc(4);
      size.writeUInt32LE(head.length);
      const path = this.path(key);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([size, head, Buffer.from(text, 'utf8')]), { mode: 0o600 });
      renameSync(tmp, path);
      this.evict();
    } catch {
      // Read-only /run, a full tmpfs: nothing is kept.
    }
  }

  /** The slot: which sources were loaded and how; the digest inside says whether their text is the same. */
  private path(key: CheckedKey): string {
    const where = JSON.stringify([key.sources.map((s) => s.file), key.defaultName, key.name ?? null, key.host]);
    return join(this.dir, `${sha256Hex(where).slice(0, 32)}.spec`);
  }

  private digest(key: CheckedKey): string {
    return sha256Hex(JSON.stringify([FORMAT, this.build, key.sources, key.defaultName, key.name ?? null, key.host]));
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
    return sha256Hex(JSON.stringify(files.map((f) => {
      const st = statSync(join(here, f));
      return [f, st.size, st.mtimeMs];
    })));
  } catch {
    return null;
  }
}

/**
 * The spec as JSON, or null when JSON would not give it back as it is: a value JSON drops or changes
 * (undefined, NaN, -0, a function), an object that is not plain, or one object reached twice (parsed back, it
 * would be two). JSON.parse reads a spec of 3,000 containers in a third of the time v8.deserialize takes.
 */
export function plainJson(spec: Spec): string | null {
  const seen = new Set<object>();
  const plain = (v: unknown): boolean => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
    if (typeof v !== 'object' || seen.has(v)) return false;
    seen.add(v);
    if (Array.isArray(v)) return v.every(plain);
    if (Object.getPrototypeOf(v) !== Object.prototype) return false;
    for (const k in v) if (!plain((v as Record<string, unknown>)[k])) return false;
    return true;
  };
  return plain(spec) ? JSON.stringify(spec) : null;
}
