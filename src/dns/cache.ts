// Encoded answers to local names, kept per (network, asker, query bytes) and served again under a new ID.

/**
 * A container asks the same few names over and over: decoding, deciding and encoding once per distinct query
 * leaves a lookup and a copy per query. The key is the query past its ID (flags, question, EDNS record: all
 * that shapes the answer); the asker matters because answers are scoped by who asks. Only answers that the
 * view alone decides are kept, so a reload starts a new cache. Past `limit` entries it starts over rather than
 * track ages: the working set of a host is its containers times the names they use.
 */
export class AnswerCache {
  private readonly byAsker = new Map<string, Map<string, Buffer>>();
  private size = 0;

  constructor(private readonly limit = 20_000) {}

  /** The kept answer with the query's ID, in a buffer of its own: a send may still hold the previous one. */
  get(network: string, source: string, query: Buffer): Buffer | null {
    if (query.length < 12) return null;
    const kept = this.byAsker.get(askerKey(network, source))?.get(query.toString('latin1', 2));
    if (kept === undefined) return null;
    const out = Buffer.allocUnsafe(kept.length);
    kept.copy(out);
    out[0] = query[0];
    out[1] = query[1];
    return out;
  }

  set(network: string, source: string, query: Buffer, response: Buffer): void {
    if (query.length < 12) return;
    if (this.size >= this.limit) {
      this.byAsker.clear();
      this.size = 0;
    }
    const key = askerKey(network, source);
    let queries = this.byAsker.get(key);
    if (queries === undefined) this.byAsker.set(key, (queries = new Map()));
    const q = query.toString('latin1', 2);
    if (!queries.has(q)) this.size++;
    queries.set(q, response);
  }
}

const askerKey = (network: string, source: string): string => `${network} ${source}`;
