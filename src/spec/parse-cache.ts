// Parses a spec file again after an edit, re-parsing only the chunks whose text changed (watch mode).

import { freeze } from 'immer';
import { ok, type Result, type SourcePos } from '../model/errors.js';
import { emptyPosMap, lazyPosMap, parseYaml, type ParsedSource, type PosMap } from './yaml.js';
import { splitChunks, type Chunk } from './yaml-chunks.js';

/** A chunk parsed alone: its one key, value, and positions with lines counted from the chunk's first. */
interface Piece {
  key: string;
  value: unknown;
  pos: PosMap;
  /** The positions moved to where the chunk last stood: an edit above it shifts it, most edits do not. */
  placed?: { line: number; value: [string, SourcePos][]; key: [string, SourcePos][] };
}

/**
 * Same result as parseYaml, the same values and positions, in time proportional to what changed: a file of a
 * thousand containers costs the YAML library ~30 ms to parse whole, a changed entry well under one. Text the
 * chunker cannot cut safely, and any text with an error, is parsed whole, so errors are exactly parseYaml's.
 * Values are frozen: they are shared with the next parse.
 */
export class ParseCache {
  private files = new Map<string, Map<string, Piece>>();
  /** How the last call went: the chunks it parsed, or 'whole'. */
  lastParsed: number | 'whole' = 0;

  parse(file: string, text: string): Result<ParsedSource> {
    const chunks = splitChunks(text);
    let parsed = 0;
    const before = this.files.get(file) ?? new Map<string, Piece>();
    const now = new Map<string, Piece>();
    const pieceOf = (c: Chunk) => {
      const cached = now.get(c.text) ?? before.get(c.text);
      if (!cached) parsed++;
      return cached ? (now.set(c.text, cached), cached) : parsePiece(file, c, now);
    };
    const assembled = chunks ? assemble(file, chunks, pieceOf) : null;
    this.lastParsed = assembled ? parsed : 'whole';
    // Only the chunks of this text are kept: memory follows the file, not its history. A text that failed is
    // mostly the last good one with a typo: its chunks stay until the fix.
    this.files.set(file, assembled ? now : new Map([...before, ...now]));
    return assembled ? ok(assembled) : parseYaml(file, text);
  }
}

function parsePiece(file: string, c: Chunk, now: Map<string, Piece>): Piece | null {
  const r = parseYaml(file, c.text);
  if (!r.ok) return null;
  const v = r.value.value;
  const keys = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
  if (keys.length !== 1) return null;
  const p: Piece = { key: keys[0], value: freeze((v as Record<string, unknown>)[keys[0]], true), pos: r.value.pos };
  now.set(c.text, p);
  return p;
}

function assemble(file: string, chunks: Chunk[], pieceOf: (c: Chunk) => Piece | null): ParsedSource | null {
  const root: Record<string, unknown> = {};
  const sections = new Map<string, Record<string, unknown>>();
  const used: [Chunk, Piece][] = [];
  let top = false;
  for (const c of chunks) {
    const p = pieceOf(c);
    if (!p) return null;
    used.push([c, p]);
    if (c.section === null) {
      if (Object.hasOwn(root, p.key)) return null; // a duplicate: the whole parse words the error
      root[p.key] = p.value;
      top = true;
      continue;
    }
    let into = sections.get(c.section);
    if (!into) {
      if (root[c.section] !== null) return null;
      into = {};
      sections.set(c.section, into);
      root[c.section] = into;
    }
    if (Object.hasOwn(into, p.key)) return null;
    into[p.key] = p.value;
  }
  // Positions only when an error asks for one: placing every chunk's costs ~90 ms an edit at 10,000 entries.
  return top ? { file, value: root, pos: lazyPosMap(() => positions(used)) } : null;
}

function positions(used: [Chunk, Piece][]): PosMap {
  const pos = emptyPosMap();
  const begun = new Set<string>();
  for (const [c, p] of used) {
    const at = placed(p, c.line);
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
