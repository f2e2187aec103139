// Encoded answers the view decides, kept per (network, asker's scope, query bytes) and served under a new ID.

import type { NetworkView } from './view.js';

/** A response as latin1 text (compact, in V8's heap), or one per turn of round robin. */
type Kept = string | readonly string[];
/** Network → scope → the query past its ID → what was answered. */
type Generation = Map<NetworkView, Map<string, Map<string, Kept>>>;

/** What an entry costs beyond its text: the map slots and string headers, roughly. */
const ENTRY_OVERHEAD = 64;

/**
 * Containers ask the same few names over and over: decoding, deciding and encoding once per distinct query
 * leaves three lookups and a copy per query. The key is the query past its ID (flags, question, EDNS record:
 * all that shapes the answer) and the asker's scope (answers are scoped by who asks, and alike for containers
 * on the same networks). A reload starts a new cache. Two generations bound the memory: when the young one is
 * full it becomes the old one and the old one is dropped; an entry found in the old one moves back, so what is
 * asked often stays.
 */
export class AnswerCache {
  private young: Generation = new Map();
  private old: Generation = new Map();
  private bytes = 0;
  private turn = 0;

  /** `budget`: bytes of text for both generations together. */
  constructor(private readonly budget = 128 * 1024) {}

  /** The kept answer with the query's ID, in a buffer of its own: a send may still hold the previous one. */
  get(net: NetworkView, scope: string, query: Buffer): Buffer | null {
    if (query.length < 12) return null;
    const key = query.toString('latin1', 2);
    let kept = find(this.young, net, scope, key);
    if (kept === undefined) {
      kept = find(this.old, net, scope, key);
      if (kept === undefined) return null;
      this.put(net, scope, key, kept);
    }
    const out = Buffer.from(typeof kept === 'string' ? kept : kept[this.turn++ % kept.length], 'latin1');
    out[0] = query[0];
    out[1] = query[1];
    return out;
  }

  /** `responses`: one, or one per turn of round robin, each served in turn. */
  set(net: NetworkView, scope: string, query: Buffer, responses: readonly Buffer[]): void {
    if (query.length < 12 || responses.length === 0) return;
    const texts = responses.map((r) => r.toString('latin1'));
    this.put(net, scope, query.toString('latin1', 2), texts.length === 1 ? texts[0] : texts);
  }

  private put(net: NetworkView, scope: string, key: string, kept: Kept): void {
    const size = key.length + ENTRY_OVERHEAD + (typeof kept === 'string' ? kept.length : kept.reduce((n, t) => n + t.length, 0));
    if (this.bytes + size > this.budget / 2) {
      this.old = this.young;
      this.young = new Map();
      this.bytes = 0;
    }
    let scopes = this.young.get(net);
    if (scopes === undefined) this.young.set(net, (scopes = new Map()));
    let queries = scopes.get(scope);
    if (queries === undefined) scopes.set(scope, (queries = new Map()));
    queries.set(key, kept);
    this.bytes += size;
  }
}

function find(g: Generation, net: NetworkView, scope: string, key: string): Kept | undefined {
  return g.get(net)?.get(scope)?.get(key);
}
