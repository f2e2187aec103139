// YAML text → plain value plus a map from field paths to source positions, or 'yaml' errors.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { fail, ok, tnetError, type Result, type SourcePos, type TnetError } from '../model/errors.js';
import { fastLoad } from './yaml-fast.js';

/** Positions of one or more files' nodes by field path (`containers.nginx-2.ports[0]`). */
export interface PosMap {
  /** Where each value starts. */
  value: Map<string, SourcePos>;
  /** Where each mapping key starts: unknown fields and duplicates point here. */
  key: Map<string, SourcePos>;
  /** Where each file's document starts, for errors about the whole file. */
  roots: SourcePos[];
}

export interface ParsedSource {
  file: string;
  value: unknown;
  pos: PosMap;
}

export type PathSeg = string | number;

export function joinPath(segs: readonly PathSeg[]): string {
  let out = '';
  for (const s of segs) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

export function emptyPosMap(): PosMap {
  return { value: new Map(), key: new Map(), roots: [] };
}

/** The position of a path; for a path not written, the key of its nearest written ancestor. */
export function lookupPos(map: PosMap, path: string, kind: 'value' | 'key' = 'value'): SourcePos | undefined {
  const exact = map[kind].get(path) ?? map.value.get(path);
  if (exact) return exact;
  for (let p = path; p !== ''; ) {
    p = parentPath(p);
    const hit = map.key.get(p) ?? map.value.get(p);
    if (hit) return hit;
  }
  return map.roots[0];
}

function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut < 0 ? '' : path.slice(0, cut);
}

/**
 * Whether a parsed value holds a field path (`containers.web.ports[0]`, the paths a PosMap has positions for):
 * what the user wrote, as opposed to what normalize filled in. Read off the value itself, a path at a time:
 * listing every path of 10,000 containers cost ~35 ms a watch edit. A key may hold dots, so each cut is tried.
 */
export function writtenIn(value: unknown): (path: string) => boolean {
  return (path) => holds(value, path);
}

function holds(v: unknown, path: string): boolean {
  if (path === '') return true;
  if (path.startsWith('[')) {
    const close = path.indexOf(']');
    const i = Number(path.slice(1, close));
    const rest = path.slice(close + 1);
    return Array.isArray(v) && i < v.length && holds(v[i], rest.startsWith('.') ? rest.slice(1) : rest);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  for (let i = 1; i <= path.length; i++) {
    if (i < path.length && path[i] !== '.' && path[i] !== '[') continue;
    const key = path.slice(0, i);
    if (!Object.hasOwn(v, key)) continue;
    const rest = i < path.length && path[i] === '.' ? path.slice(i + 1) : path.slice(i);
    if (holds((v as Record<string, unknown>)[key], rest)) return true;
  }
  return false;
}

/** A PosMap made the first time it is read: a valid spec never needs its positions. */
export function lazyPosMap(make: () => PosMap): PosMap {
  let made: PosMap | undefined;
  const get = () => (made ??= make());
  return {
    get value() {
      return get().value;
    },
    get key() {
      return get().key;
    },
    get roots() {
      return get().roots;
    },
  };
}

/** Later files only fill gaps: the first definition of a path keeps its position. */
export function mergePosMaps(maps: PosMap[]): PosMap {
  if (maps.length === 1) return maps[0];
  return lazyPosMap(() => mergeNow(maps));
}

function mergeNow(maps: PosMap[]): PosMap {
  const out = emptyPosMap();
  for (const m of maps) {
    for (const [k, v] of m.value) if (!out.value.has(k)) out.value.set(k, v);
    for (const [k, v] of m.key) if (!out.key.has(k)) out.key.set(k, v);
    out.roots.push(...m.roots);
  }
  return out;
}

/**
 * A valid document is read by the fast reader, its positions made by the library only if asked for; anything
 * the fast reader declines is read by the library, which words the errors.
 */
export function parseYaml(file: string, text: string): Result<ParsedSource> {
  const fast = fastLoad(text);
  if (!fast) return parseFull(file, text);
  return ok({ file, value: fast.value, pos: lazyPosMap(() => positionsOf(file, text)) });
}

function positionsOf(file: string, text: string): PosMap {
  const full = parseFull(file, text);
  return full.ok ? full.value.pos : emptyPosMap();
}

function parseFull(file: string, text: string): Result<ParsedSource> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = positioner(file, text, lc);
  if (doc.errors.length > 0) {
    return fail(...doc.errors.map((e) => yamlError(friendly(e.code, e.message, text.slice(...e.pos)), at(e.pos[0]))));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // toJS throws only on alias bombs and the like: still the file's fault, so report it as one.
    return fail(yamlError((e as Error).message, at(0)));
  }
  const pos = emptyPosMap();
  pos.roots.push(at(doc.contents?.range?.[0] ?? 0));
  if (doc.contents) indexNode(doc.contents as Node, [], pos, at);
  return ok({ file, value, pos });
}

type At = (offset: number) => SourcePos;

function positioner(file: string, text: string, lc: LineCounter): At {
  const lines = text.split(/\r?\n/);
  return (offset) => {
    const { line, col } = lc.linePos(Math.min(offset, text.length));
    const l = Math.max(line, 1);
    return { file, line: l, col: Math.max(col, 1), lineText: lines[l - 1] ?? '' };
  };
}

function yamlError(message: string, pos: SourcePos): TnetError {
  return tnetError('yaml', message, { pos });
}

/** The library's wording for the two errors users hit most names its own API: say it in spec terms. */
function friendly(code: string, message: string, source: string): string {
  if (code === 'DUPLICATE_KEY') return `duplicate key "${source.trim()}"`;
  if (code === 'MULTIPLE_DOCS') return 'a spec file holds one YAML document: put each in its own file of a directory';
  return message;
}

function indexNode(node: Node, segs: PathSeg[], pos: PosMap, at: At): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const path = [...segs, key];
      const keyNode = pair.key as Node | null;
      const keyPos = at(keyNode?.range?.[0] ?? 0);
      pos.key.set(joinPath(path), keyPos);
      const val = pair.value as Node | null;
      // `key:` with nothing after it has an empty range at the end of the line: point at the key.
      const empty = !val || !val.range || (isScalar(val) && val.value === null && val.range[0] === val.range[1]);
      pos.value.set(joinPath(path), empty ? keyPos : at(val.range![0]));
      if (val) indexNode(val, path, pos, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const n = item as Node | null;
      const path = [...segs, i];
      if (n?.range) pos.value.set(joinPath(path), at(n.range[0]));
      if (n) indexNode(n, path, pos, at);
    });
  }
}
