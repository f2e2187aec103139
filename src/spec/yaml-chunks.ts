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

/**
 * The chunks in text order, or null when the text is not safely cut: then the caller parses it whole. A line
 * at an entry's indentation ends the entry before it, as YAML's own indentation rules end a block scalar, a
 * plain scalar or a nested collection there; a flow collection or quoted scalar cut this way is left
 * unterminated, so its piece fails to parse and the caller falls back, never misreading it.
 */
export function splitChunks(text: string): Chunk[] | null {
  if (UNSAFE.test(text)) return null;
  const lines = text.split('\n');
  const starts: { line: number; section: string | null }[] = [];
  let section: string | null = null;
  let entryIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (blankOrComment(l)) continue;
    const indent = indentOf(l);
    if (indent === 0) {
      starts.push({ line: i, section: null });
      section = BLOCK_HEADER.exec(l)?.[1] ?? null;
      entryIndent = -1;
      continue;
    }
    // Content before the first top-level key, or inside a top-level value that is not a block mapping.
    if (section === null) {
      if (starts.length === 0) return null;
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
    if (indent === entryIndent) starts.push({ line: i, section });
  }
  if (starts.length === 0) return null;
  return starts.map((s, k) => {
    // Comments before the first key belong to no chunk: they hold no value.
    const end = k + 1 < starts.length ? starts[k + 1].line : lines.length;
    return { section: s.section, line: s.line, text: lines.slice(s.line, end).join('\n') + (end < lines.length ? '\n' : '') };
  });
}
