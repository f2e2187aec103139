// Parses a spec file again after an edit, re-parsing only the chunks whose text changed (watch mode).

import { freeze } from 'immer';
import { ok, type Result, type SourcePos } from '../model/errors.js';
import { emptyPosMap, lazyPosMap, parseYaml, type ParsedSource, type PosMap } from './yaml.js';
import { FIRST_STATE, scanCuts, unsafeIn, type Cut, type ScanState } from './yaml-chunks.js';
import { patchRecord } from '../util/patch.js';

/** A chunk parsed alone: its one key, value, and positions with lines counted from the chunk's first. */
interface Piece {
  key: string;
  value: unknown;
  pos: PosMap;
  /** The positions moved to where the chunk last stood: an edit above it shifts it, most edits do not. */
  placed?: { line: number; value: [string, SourcePos][]; key: [string, SourcePos][] };
}

/** A file as last read whole and well: its text, where its chunks start, their pieces, and what they made. */
interface FileState {
  text: string;
  cuts: Cut[];
  pieces: Piece[];
  made: Assembled;
}

/** A block mapping as assembled: its record (frozen) and its keys in order. */
interface Section {
  record: Record<string, unknown>;
  keys: string[];
}

/** The top-level record, its sections, and which cuts are top-level fields. */
interface Assembled {
  source: ParsedSource;
  sections: Map<string, Section>;
  tops: number[];
}

/** The cuts of a text and, for each, its piece when known (unchanged text); `byText`: other pieces that may recur. */
interface Recut {
  cuts: Cut[];
  known: (Piece | undefined)[];
  byText: Map<string, Piece>;
}

/**
 * Same result as parseYaml, the same values and positions, in time proportional to what changed: a file of a
 * thousand containers costs the YAML library ~30 ms to parse whole, a changed entry well under one. Only the
 * lines around what differs from the last text are cut again; the chunks before and after keep their pieces.
 * Text the chunker cannot cut safely, and any text with an error, is parsed whole, so errors are exactly
 * parseYaml's. Values are frozen: they are shared with the next parse.
 */
export class ParseCache {
  private files = new Map<string, FileState>();
  /** How the last call went: the chunks it parsed, or 'whole'. */
  lastParsed: number | 'whole' = 0;

  parse(file: string, text: string): Result<ParsedSource> {
    const before = this.files.get(file);
    const cut = before ? recut(before, text) : firstCut(text);
    const pieces = cut ? piecesOf(file, text, cut) : null;
    const made = cut && pieces ? ((before && reassemble(before, cut.cuts, pieces)) ?? assemble(file, cut.cuts, pieces.pieces)) : null;
    this.lastParsed = made ? pieces!.parsed : 'whole';
    // A text that failed is mostly the last good one with a typo: the fix is cut against the last good one.
    if (made) this.files.set(file, { text, cuts: cut!.cuts, pieces: pieces!.pieces, made });
    return made ? ok(made.source) : parseYaml(file, text);
  }
}

function firstCut(text: string): Recut | null {
  if (unsafeIn(text)) return null;
  const scan = scanCuts(text, 0, 0, FIRST_STATE, false);
  return scan ? { cuts: scan.cuts, known: [], byText: new Map() } : null;
}

/**
 * The text is scanned again from around the first change, until a chunk starts in the
 * unchanged tail where one started before, in the same state: from there on the old cuts hold, moved.
 */
function recut(old: FileState, text: string): Recut | null {
  const p = commonPrefix(old.text, text);
  const s = commonSuffix(old.text, text, Math.min(old.text.length, text.length) - p);
  const tail = text.length - s;
  const lineStart = p === 0 ? 0 : text.lastIndexOf('\n', p - 1) + 1;
  const lineEnd = text.indexOf('\n', tail);
  // The old text was safe: only the lines changed can make the new one unsafe.
  if (unsafeIn(text, lineStart, lineEnd < 0 ? text.length : lineEnd)) return null;
  // From the chunk before the one changed: a changed first line may no longer start a chunk, and the chunk
  // before it then runs on over that line.
  const r = Math.max(lastCutAtOrBefore(old.cuts, lineStart) - 1, -1);
  const from = r < 0 ? null : old.cuts[r];
  const delta = text.length - old.text.length;
  let m = -1;
  const stop = (c: Cut) => {
    if (c.start <= tail) return false;
    m = cutAt(old.cuts, c.start - delta);
    return m >= 0 && sameState(old.cuts[m].before, c.before);
  };
  const scan = scanCuts(text, from?.start ?? 0, from?.line ?? 0, from?.before ?? FIRST_STATE, r > 0, stop);
  if (!scan) return null;
  const kept = Math.max(r, 0);
  const moved = scan.stopped ? old.cuts.slice(m) : [];
  const lines = scan.stopped ? scan.stopped.line - old.cuts[m].line : 0;
  // The cuts after the edit are the old ones, moved only when the edit changed the length or the line count.
  const shifted = delta === 0 && lines === 0 ? moved : moved.map((c) => ({ section: c.section, line: c.line + lines, start: c.start + delta, before: c.before }));
  const cuts = [...old.cuts.slice(0, kept), ...scan.cuts, ...shifted];
  const known: (Piece | undefined)[] = [...old.pieces.slice(0, kept), ...scan.cuts.map(() => undefined), ...old.pieces.slice(scan.stopped ? m : old.cuts.length)];
  // The old chunks scanned over: an entry moved or restored finds its piece by its text.
  const byText = new Map<string, Piece>();
  for (let k = kept; k < (scan.stopped ? m : old.cuts.length); k++) byText.set(chunkText(old.text, old.cuts, k), old.pieces[k]);
  return { cuts, known, byText };
}

/** `looked`: the positions whose piece was not known by position (parsed, or found by text). */
interface Pieces {
  pieces: Piece[];
  parsed: number;
  looked: number[];
}

function piecesOf(file: string, text: string, { cuts, known, byText }: Recut): Pieces | null {
  const pieces: Piece[] = [];
  const looked: number[] = [];
  let parsed = 0;
  for (let k = 0; k < cuts.length; k++) {
    let p = known[k];
    if (!p) {
      looked.push(k);
      const t = chunkText(text, cuts, k);
      p = byText.get(t);
      if (!p) {
        const made = parsePiece(file, own(t));
        if (!made) return null;
        parsed++;
        // Two chunks of one text (an entry under two sections) share their piece, as a whole parse would not mind.
        byText.set(t, (p = made));
      }
    }
    pieces.push(p);
  }
  return { pieces, parsed, looked };
}

function chunkText(text: string, cuts: readonly Cut[], k: number): string {
  return text.slice(cuts[k].start, k + 1 < cuts.length ? cuts[k + 1].start : text.length);
}

function sameState(a: ScanState, b: ScanState): boolean {
  return a.section === b.section && a.entryIndent === b.entryIndent;
}

/** Index of the last cut starting at or before `offset`, -1 if none (cuts are in text order). */
function lastCutAtOrBefore(cuts: readonly Cut[], offset: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid].start <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function cutAt(cuts: readonly Cut[], offset: number): number {
  const k = lastCutAtOrBefore(cuts, offset);
  return k >= 0 && cuts[k].start === offset ? k : -1;
}

/** Compared a block at a time: equal texts of 400 kB in well under a millisecond. */
const BLOCK = 4096;

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i + BLOCK <= n && a.slice(i, i + BLOCK) === b.slice(i, i + BLOCK)) i += BLOCK;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** At most `max` characters, so that prefix and suffix never overlap. */
function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  while (i + BLOCK <= max && a.slice(a.length - i - BLOCK, a.length - i) === b.slice(b.length - i - BLOCK, b.length - i)) i += BLOCK;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

/**
 * The chunk as a string of its own. A slice of the file's text keeps the whole text alive (V8's sliced
 * strings), and so would every value parsed from it: each piece kept across edits kept the text of the edit
 * it was parsed in (by hand at 10,000 containers, 0.44 MB an edit, with no end).
 */
function own(chunk: string): string {
  return Buffer.from(chunk, 'utf8').toString('utf8');
}

function parsePiece(file: string, text: string): Piece | null {
  const r = parseYaml(file, text);
  if (!r.ok) return null;
  const v = r.value.value;
  const keys = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
  if (keys.length !== 1) return null;
  return { key: keys[0], value: freeze((v as Record<string, unknown>)[keys[0]], true), pos: r.value.pos };
}

function assemble(file: string, cuts: readonly Cut[], pieces: readonly Piece[]): Assembled | null {
  const root: Record<string, unknown> = {};
  const sections = new Map<string, Section>();
  const tops: number[] = [];
  for (let k = 0; k < cuts.length; k++) {
    const c = cuts[k];
    const p = pieces[k];
    if (c.section === null) {
      if (Object.hasOwn(root, p.key)) return null; // a duplicate: the whole parse words the error
      root[p.key] = p.value;
      tops.push(k);
      continue;
    }
    let into = sections.get(c.section);
    if (!into) {
      if (root[c.section] !== null) return null;
      into = { record: {}, keys: [] };
      sections.set(c.section, into);
      root[c.section] = into.record;
    }
    if (Object.hasOwn(into.record, p.key)) return null;
    into.record[p.key] = p.value;
    into.keys.push(p.key);
  }
  if (tops.length === 0) return null;
  // Frozen as the pieces are: a section an edit leaves alone is the very record of the last parse.
  for (const s of sections.values()) Object.freeze(s.record);
  return { source: sourceOf(file, root, cuts, pieces), sections, tops };
}

/**
 * The last parse's records again where no entry changed, and a section's record patched (util/patch.ts) where
 * only values did: an edit of one container of ten thousand builds no record of them by walking the text's
 * chunks. Null when the edit did more (a key added, removed, renamed or moved; a top-level field added):
 * assemble then builds everything.
 */
function reassemble(old: FileState, cuts: readonly Cut[], { pieces, looked }: Pieces): Assembled | null {
  if (cuts.length !== old.cuts.length) return null;
  const changes = new Map<string, Map<string, unknown>>();
  for (const k of looked) {
    const p = pieces[k];
    const was = old.pieces[k];
    if (cuts[k].section !== old.cuts[k].section || p.key !== was.key) return null;
    if (p === was || cuts[k].section === null) continue;
    const section = cuts[k].section!;
    if (!changes.has(section)) changes.set(section, new Map());
    changes.get(section)!.set(p.key, p.value);
  }
  const sections = new Map<string, Section>();
  for (const [name, s] of old.made.sections) {
    const changed = changes.get(name);
    const record = changed ? patchRecord(s.record, s.keys, changed) : s.record;
    if (record === null) return null;
    sections.set(name, { record: Object.freeze(record), keys: s.keys });
  }
  const root: Record<string, unknown> = {};
  for (const k of old.made.tops) root[pieces[k].key] = sections.get(pieces[k].key)?.record ?? pieces[k].value;
  return { source: sourceOf(old.made.source.file, root, cuts, pieces), sections, tops: old.made.tops };
}

// Positions only when an error asks for one: placing every chunk's costs ~90 ms an edit at 10,000 entries.
function sourceOf(file: string, root: Record<string, unknown>, cuts: readonly Cut[], pieces: readonly Piece[]): ParsedSource {
  return { file, value: root, pos: lazyPosMap(() => positions(cuts, pieces)) };
}

function positions(cuts: readonly Cut[], pieces: readonly Piece[]): PosMap {
  const pos = emptyPosMap();
  const begun = new Set<string>();
  for (let k = 0; k < cuts.length; k++) {
    const c = cuts[k];
    const at = placed(pieces[k], c.line);
    if (c.section === null) {
      copy(pos, at, '');
      if (pos.roots.length === 0) pos.roots.push(at.key[0][1]);
      continue;
    }
    if (!begun.has(c.section)) {
      begun.add(c.section);
      // A block mapping's value starts where its first key does.
      pos.value.set(c.section, at.key[0][1]);
    }
    copy(pos, at, `${c.section}.`);
  }
  return pos;
}

function placed(p: Piece, line: number): NonNullable<Piece['placed']> {
  if (p.placed?.line === line) return p.placed;
  const move = ([path, at]: [string, SourcePos]): [string, SourcePos] => [path, { ...at, line: at.line + line }];
  p.placed = { line, value: [...p.pos.value].map(move), key: [...p.pos.key].map(move) };
  return p.placed;
}

function copy(pos: PosMap, at: NonNullable<Piece['placed']>, prefix: string): void {
  for (const [path, p] of at.value) pos.value.set(prefix + path, p);
  for (const [path, p] of at.key) pos.key.set(prefix + path, p);
}
