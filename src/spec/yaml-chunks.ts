// Cuts a spec's YAML text into top-level entries and the entries of its block mappings, by indentation alone.

/**
 * A piece of the text that parses on its own to a mapping of exactly one key: a top-level field
 * (`version: 1`), the header of a block mapping (`containers:`), or one entry of it (`  web: {…}`).
 * `section`: the top-level key an entry belongs to; null for the top-level pieces.
 */
export interface Chunk {
  section: string | null;
  /** 0-based line of the text the chunk starts at. */
  line: number;
  text: string;
}

/**
 * YAML whose meaning can reach across entries (anchors, aliases, tags, merge keys, complex keys, directives,
 * several documents) or whose lines the cut below could misread (tabs, CR): such text is parsed whole.
 * A false alarm (a `*` in a comment) only costs the whole parse.
 */
const UNSAFE = /[&*!\t\r\uFEFF]|<<|^\s*\?|^(?:---|\.\.\.|%)/m;

const blankOrComment = (l: string) => /^\s*(?:#|$)/.test(l);
const indentOf = (l: string) => l.length - l.trimStart().length;
/** `key:` with nothing after it but a comment: a block value follows on the next lines. */
const BLOCK_HEADER = /^([A-Za-z_][\w.-]*):\s*(?:#.*)?$/;

/** The chunker's state before a line: the block mapping it is in (null: none) and its entries' indentation. */
export interface ScanState {
  section: string | null;
  entryIndent: number;
}

/** Where a chunk starts (its line's offset in the text), and the state before that line: a scan resumes there. */
export interface Cut {
  section: string | null;
  line: number;
  start: number;
  before: ScanState;
}

export const FIRST_STATE: ScanState = { section: null, entryIndent: -1 };

/**
 * The chunks in text order, or null when the text is not safely cut: then the caller parses it whole. A line
 * at an entry's indentation ends the entry before it, as YAML's own indentation rules end a block scalar, a
 * plain scalar or a nested collection there; a flow collection or quoted scalar cut this way is left
 * unterminated, so its piece fails to parse and the caller falls back, never misreading it.
 */
export function splitChunks(text: string): Chunk[] | null {
  if (UNSAFE.test(text)) return null;
  const scan = scanCuts(text, 0, 0, FIRST_STATE, false);
  if (!scan) return null;
  const { cuts } = scan;
  // Comments before the first key belong to no chunk: they hold no value.
  return cuts.map((c, k) => ({ section: c.section, line: c.line, text: text.slice(c.start, k + 1 < cuts.length ? cuts[k + 1].start : text.length) }));
}

/** Whether text may hold YAML the chunker must not cut (see UNSAFE); `from`, `to`: a range of whole lines. */
export function unsafeIn(text: string, from = 0, to = text.length): boolean {
  return UNSAFE.test(from === 0 && to === text.length ? text : text.slice(from, to));
}

/**
 * The cuts from the line at offset `start` (line number `line`), scanned in `state`; `begun`: a cut was made
 * before it. `stop(cut)` true ends the scan before that cut, the caller knowing the rest. Null: not safely cut.
 */
export function scanCuts(
  text: string, start: number, line: number, state: ScanState, begun: boolean, stop?: (cut: Cut) => boolean,
): { cuts: Cut[]; stopped: Cut | null } | null {
  const cuts: Cut[] = [];
  let { section, entryIndent } = state;
  for (let from = start, i = line; from <= text.length; i++) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl;
    const l = text.slice(from, end);
    const at = from;
    from = end + 1;
    if (blankOrComment(l)) continue;
    const indent = indentOf(l);
    const before = { section, entryIndent };
    if (indent === 0) {
      const cut = { section: null, line: i, start: at, before };
      if (stop?.(cut)) return { cuts, stopped: cut };
      cuts.push(cut);
      section = BLOCK_HEADER.exec(l)?.[1] ?? null;
      entryIndent = -1;
      continue;
    }
    // Content before the first top-level key, or inside a top-level value that is not a block mapping.
    if (section === null) {
      if (!begun && cuts.length === 0) return null;
      continue;
    }
    if (entryIndent === -1) {
      if (l.trimStart().startsWith('-')) {
        section = null; // a block sequence: kept whole with its header
        continue;
      }
      entryIndent = indent;
    }
    if (indent < entryIndent) return null;
    if (indent !== entryIndent) continue;
    const cut = { section, line: i, start: at, before };
    if (stop?.(cut)) return { cuts, stopped: cut };
    cuts.push(cut);
  }
  return !begun && cuts.length === 0 ? null : { cuts, stopped: null };
}
