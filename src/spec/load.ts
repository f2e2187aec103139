// Read a spec from a file, a directory of *.yaml files or stdin, and turn it into a valid Spec.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, parse as parsePath, resolve } from 'node:path';
import { fail, ok, tnetError, type Result, type SourcePos, type TnetError } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import { normalizeListed, NormalForms } from './normalize.js';
import { lookupPos, mergePosMaps, parseYaml, writtenIn, type ParsedSource, type PosMap } from './yaml.js';
import { ParseCache } from './parse-cache.js';
import { checkSchema, type CleanValues, type RawSpec } from './schema.js';
import { containerMemo, validate } from './validate.js';
import { placeOn } from './place.js';
import type { CheckedSpecs } from './checked-store.js';

export interface Source {
  file: string;
  text: string;
}

/** Short because every kernel mark carries it; Docker Compose's project-name characters. */
const SPEC_NAME = /^[a-z0-9][a-z0-9_.-]{0,23}$/i;

export interface LoadOptions {
  /** Overrides `name:`. */
  name?: string;
  /** The host whose part of the spec is wanted (default: the hostname; see place.ts). */
  host?: string;
  /** Re-reads of the same files (watch mode): only what changed since the last read is parsed again. */
  cache?: LoadCache;
  /** One-shot commands: specs already checked, by the digest of their text (checked-store.ts). */
  checked?: CheckedSpecs | null;
}

/**
 * Watch mode's memory between loads: the chunks parsed, and the result for the last sources read. Sources
 * unchanged give back the very same Spec object, which is how a plan made for it is known to still hold.
 */
export class LoadCache {
  readonly chunks = new ParseCache();
  readonly normalForms = new NormalForms();
  readonly cleanValues: CleanValues = new WeakMap();
  readonly checks = containerMemo();
  last: { key: LoadKey; result: Result<Spec> } | null = null;
}

/** `arg`: a file, a directory (its *.yaml and *.yml, merged) or '-' for stdin. */
export async function loadSpec(arg: string, opts: LoadOptions = {}): Promise<Result<Spec>> {
  const read = await readSources(arg);
  if (!read.ok) return read;
  const { sources, name } = read.value;
  if (opts.checked) return loadChecked(opts.checked, sources, name, opts);
  if (!opts.cache) return buildSpec(sources, name, opts);
  const key: LoadKey = { sources, name, forced: opts.name, host: opts.host };
  if (!opts.cache.last || !sameKey(opts.cache.last.key, key)) opts.cache.last = { key, result: buildSpec(sources, name, opts) };
  return opts.cache.last.result;
}

/** What a load depends on: compared field by field, where a JSON text of it copied the whole spec each read. */
interface LoadKey {
  sources: Source[];
  name: string;
  forced: string | undefined;
  host: string | undefined;
}

const sameKey = (a: LoadKey, b: LoadKey): boolean =>
  a.name === b.name && a.forced === b.forced && a.host === b.host && a.sources.length === b.sources.length &&
  a.sources.every((s, i) => s.file === b.sources[i].file && s.text === b.sources[i].text);

/** A spec checked before from the same text is taken as it was; a new one is kept once it passes. */
function loadChecked(checked: CheckedSpecs, sources: Source[], defaultName: string, opts: LoadOptions): Result<Spec> {
  const key = { sources, defaultName, name: opts.name, host: opts.host ?? hostname() };
  const kept = checked.get(key);
  if (kept) return ok(kept);
  const r = buildSpec(sources, defaultName, { ...opts, host: key.host });
  if (r.ok) checked.put(key, r.value);
  return r;
}

/** Pure: sources as read, in merge order; `name` is the spec name when none of them sets `name:`. */
export function parseSources(sources: Source[], name: string, host?: string): Result<Spec> {
  return buildSpec(sources, name, { host });
}

/**
 * Synchronous reads: a spec is a few small files, read at once, where the thread pool would queue them behind
 * whatever else is in flight (in watch mode, the host being observed at the same moment).
 */
async function readSources(arg: string): Promise<Result<{ sources: Source[]; name: string }>> {
  try {
    if (arg === '-') return ok({ sources: [{ file: 'stdin', text: await readStdin() }], name: 'stdin' });
    if (statSync(arg).isDirectory()) return readDirectory(arg);
    return ok({ sources: [{ file: arg, text: readFileSync(arg, 'utf8') }], name: parsePath(arg).name });
  } catch (e) {
    return fail(tnetError('spec-io', `cannot read ${arg === '-' ? 'stdin' : arg}: ${(e as Error).message}`));
  }
}

/** A file of a spec folder by its name: *.yaml and *.yml; dotfiles are editor backups and lock files. */
export function isSpecFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !name.startsWith('.');
}

function readDirectory(dir: string): Result<{ sources: Source[]; name: string }> {
  const names = readdirSync(dir).filter(isSpecFile).sort();
  const files = names.map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
  if (files.length === 0) return fail(tnetError('spec-io', `no *.yaml or *.yml file in directory ${dir}`));
  return ok({ sources: files.map((file) => ({ file, text: readFileSync(file, 'utf8') })), name: basename(resolve(dir)) });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function buildSpec(sources: Source[], defaultName: string, { name: forcedName, host, cache }: LoadOptions): Result<Spec> {
  const parsed: ParsedSource[] = [];
  const errors: TnetError[] = [];
  for (const s of sources) {
    const r = cache ? cache.chunks.parse(s.file, s.text) : parseYaml(s.file, s.text);
    if (r.ok) parsed.push(r.value);
    else errors.push(...r.errors);
  }
  // One file must say everything; in a directory, fields like version may live in any one file.
  const fragment = sources.length > 1;
  for (const p of parsed) errors.push(...checkSchema(p.value, p.pos, { fragment, clean: cache?.cleanValues }));
  if (errors.length > 0) return fail(...errors);
  const { raw, pos, errors: mergeErrors } = merge(parsed);
  if (mergeErrors.length > 0) return fail(...mergeErrors);
  const name = specName(raw, pos, defaultName, forcedName);
  if (!name.ok) return name;
  const spec = normalizeListed(raw, name.value, cache?.normalForms);
  if (!spec.ok) return fail(...spec.errors.map((e) => withPos(e, pos)));
  const { containers } = spec.value;
  const invalid = validate(spec.value.spec, pos, writtenIn(raw), { containers, memo: cache?.checks });
  if (invalid.length > 0) return fail(...invalid);
  const placed = placeOn(spec.value.spec, host ?? hostname(), containers);
  return placed.ok ? placed : fail(...placed.errors.map((e) => withPos(e, pos)));
}

function withPos(e: TnetError, pos: PosMap): TnetError {
  if (e.pos || e.path === undefined) return e;
  const at = lookupPos(pos, e.path);
  return at ? { ...e, pos: at } : e;
}

// ---- merging the files of a directory

interface Merged {
  raw: RawSpec;
  pos: PosMap;
  errors: TnetError[];
}

function merge(parsed: ParsedSource[]): Merged {
  const raw: RawSpec = {};
  const errors: TnetError[] = [];
  // Which file wrote each path first; positions are looked up only for a conflict (they cost a second parse).
  // One file cannot conflict with itself (a mapping's keys are unique): nothing is claimed then.
  const firstSeen = new Map<string, ParsedSource>();
  const claim = parsed.length < 2 ? null : (path: string, src: ParsedSource): ParsedSource | null => {
    const before = firstSeen.get(path);
    if (!before) firstSeen.set(path, src);
    return before ?? null;
  };
  for (const src of parsed) {
    const doc = (src.value ?? {}) as RawSpec;
    for (const field of ['version', 'name'] as const) {
      if (doc[field] === undefined) continue;
      const before = claim?.(field, src);
      if (before && raw[field] !== doc[field]) errors.push(conflict(field, `${field} differs`, before, src));
      raw[field] ??= doc[field] as never;
    }
    if (doc.host !== undefined) {
      const before = claim?.('host', src);
      if (before) errors.push(conflict('host', 'host is set', before, src, 'set host: in one file only'));
      else raw.host = doc.host;
    }
    for (const section of ['bridges', 'overlays', 'containers'] as const) mergeSection(raw, doc, section, src, claim, errors);
  }
  if (raw.version === undefined && parsed.length > 0) {
    errors.push(tnetError('schema', 'missing required field "version: 1": no file of the directory sets it', {
      path: 'version', pos: parsed[0].pos.roots[0], hint: 'add "version: 1" to one of the files',
    }));
  }
  return { raw, pos: mergePosMaps(parsed.map((p) => p.pos)), errors };
}

function mergeSection(
  raw: RawSpec,
  doc: RawSpec,
  section: 'bridges' | 'overlays' | 'containers',
  src: ParsedSource,
  claim: ((path: string, src: ParsedSource) => ParsedSource | null) | null,
  errors: TnetError[],
): void {
  const entries = doc[section];
  if (!entries) return;
  // The one file's own mapping, not a copy of ten thousand entries: nothing changes it after this. (A key
  // `__proto__` is an own property there, where the copy below sets the prototype: such a file is copied.)
  if (!claim && !Object.hasOwn(entries, '__proto__')) {
    raw[section] = entries as never;
    return;
  }
  const into = (raw[section] ??= {}) as Record<string, unknown>;
  const what = section.slice(0, -1);
  for (const [name, value] of Object.entries(entries)) {
    const path = `${section}.${name}`;
    const before = claim?.(path, src);
    if (before) errors.push(conflict(path, `${what} ${name} is defined`, before, src));
    else into[name] = value;
  }
}

function conflict(path: string, what: string, first: ParsedSource, src: ParsedSource, hint?: string): TnetError {
  const before = lookupPos(first.pos, path, 'key')!;
  const here = lookupPos(src.pos, path, 'key')!;
  const where = (p: SourcePos) => `${p.file}:${p.line}:${p.col}`;
  return tnetError('duplicate', `${what} in both ${where(before)} and ${where(here)}`, { path, pos: here, ...(hint ? { hint } : {}) });
}

// ---- the spec's name

function specName(raw: RawSpec, pos: PosMap, defaultName: string, forcedName: string | undefined): Result<string> {
  if (forcedName !== undefined) return checkName(forcedName, 'the name given on the command line', () => ({}));
  if (raw.name !== undefined) return checkName(raw.name, 'name:', () => ({ path: 'name', pos: lookupPos(pos, 'name') }));
  return checkName(defaultName, `the name taken from "${defaultName}"`, () => ({ pos: pos.roots[0] }));
}

/** `where` is asked only for an error: positions cost a second parse. */
function checkName(name: string, from: string, where: () => Partial<TnetError>): Result<string> {
  if (SPEC_NAME.test(name)) return ok(name);
  return fail(tnetError('name', `spec name "${name}" (${from}) must be 1-24 of [A-Za-z0-9_.-], starting with a letter or digit`, {
    ...where(),
    hint: 'set a valid name: at the top of the spec, e.g. name: web',
  }));
}
