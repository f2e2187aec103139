// Splits top-level JSON arrays, read a chunk at a time, into the texts of their elements as the bytes arrive.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** How far into a string bytes are looked at one by one before indexOf takes over. */
const SHORT = 24;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * `ip -j -batch` prints one JSON array per command, of objects (or arrays). A large host's is megabytes (13 MB
 * for 10,000 links with details) that arrive over the second the kernel takes to dump them: split here as they
 * come, each element can be parsed while the rest is still being read, instead of the whole text being copied,
 * decoded and parsed once the process is done. Only the structure is scanned (strings, with their escapes, so
 * that a bracket in an alias is not one); each element's text is JSON.parse's to judge.
 */
export class JsonArrays {
  /** Which top-level array the bytes are in: -1 before the first. */
  private array = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The bytes of an element begun in an earlier chunk. */
  private tail: Buffer | null = null;

  constructor(private readonly onElement: (array: number, text: string) => void) {}

  /** How many top-level arrays were opened so far. */
  get arrays(): number {
    return this.array + 1;
  }

  /** Throws on bytes that cannot be there (anything but arrays of objects or arrays at the top level). */
  push(chunk: Buffer): void {
    let start = this.depth >= 2 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      if (this.inString) {
        i = this.stringEnd(chunk, i);
        continue;
      }
      const b = chunk[i];
      if (this.depth >= 2) {
        if (b === QUOTE) this.inString = true;
        else if (b === OPEN_ARRAY || b === OPEN_OBJECT) this.depth++;
        else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
          if (--this.depth === 1) {
            this.emit(chunk, start, i + 1);
            start = -1;
          }
        }
        continue;
      }
      if (isSpace(b)) continue;
      if (this.depth === 0) {
        if (b !== OPEN_ARRAY) throw new Error(`not a JSON array: ${String.fromCharCode(b)}`);
        this.depth = 1;
        this.array++;
      } else if (b === CLOSE_ARRAY) {
        this.depth = 0;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        this.depth = 2;
        start = i;
      } else if (b !== COMMA) {
        throw new Error(`not an array of objects: ${String.fromCharCode(b)}`);
      }
    }
    if (start >= 0) this.tail = this.tail ? Buffer.concat([this.tail, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
  }

  /** Throws when the text ended inside an array. */
  end(): void {
    if (this.depth !== 0) throw new Error('the JSON ended inside an array');
  }

  /**
   * Inside a string from `i` on: the index of its closing quote, or the chunk's last byte if it goes on (the
   * state says whether the next chunk starts escaped). Past its first bytes by indexOf: strings are most of the
   * text.
   */
  private stringEnd(chunk: Buffer, i: number): number {
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    // Most strings are short (keys, names): looked at byte by byte first, a call to indexOf costing more
    // (scanning 3,000 links' 3.9 MB: 13-15 ms by indexOf alone, 6-9 ms so).
    const near = Math.min(chunk.length, i + SHORT);
    for (; i < near; i++) {
      const b = chunk[i];
      if (b === QUOTE) {
        this.inString = false;
        return i;
      }
      if (b === BACKSLASH) break;
    }
    if (i === chunk.length) return chunk.length - 1;
    for (;;) {
      const q = chunk.indexOf(QUOTE, i);
      const stop = q < 0 ? chunk.length : q;
      // A backslash before the quote (or the chunk's end) escapes it when it is not itself escaped.
      let k = stop - 1;
      while (k >= i && chunk[k] === BACKSLASH) k--;
      const escapes = (stop - 1 - k) % 2 === 1;
      if (q < 0) {
        this.escaped = escapes;
        return chunk.length - 1;
      }
      if (!escapes) {
        this.inString = false;
        return q;
      }
      i = q + 1;
    }
  }

  private emit(chunk: Buffer, start: number, end: number): void {
    const bytes = this.tail ? Buffer.concat([this.tail, chunk.subarray(0, end)]) : chunk.subarray(start, end);
    this.tail = null;
    this.onElement(this.array, bytes.toString('utf8'));
  }
}
