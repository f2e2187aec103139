// One query from the wire to the wire: the cache, else decode, decide, encode (and keep), or forward.

import * as dnsPacket from 'dns-packet';
import { answer } from './answer.js';
import { AnswerCache } from './cache.js';
import { forward } from './forward.js';
import { formatError, truncate, udpLimit, type Query } from './packets.js';
import type { DnsView } from './view.js';

export interface ResolverOptions {
  /** How long one upstream has to answer. */
  timeoutMs: number;
  /** An upstream that failed a query (the caller rate-limits what it logs). */
  upstreamFailed: (upstream: string, reason: string) => void;
  /** A query that made the server fail: logged, answered with nothing. */
  crashed: (e: unknown) => void;
}

/** The view in use and what is derived from it; the listeners call `handle` for every query. */
export class Resolver {
  private cache = new AnswerCache();
  private turn = 0;

  constructor(
    private view: DnsView,
    private readonly opts: ResolverOptions,
  ) {}

  get current(): DnsView {
    return this.view;
  }

  /** A reload's view: the cache's answers came from the old one. */
  use(view: DnsView): void {
    this.view = view;
    this.cache = new AnswerCache();
  }

  /** Never throws: a throw here would end the process, and with it every container's DNS. */
  readonly handle = (local: string, source: string, msg: Buffer, tcp: boolean): Buffer | null | Promise<Buffer | null> => {
    try {
      const network = this.view.atAddress.get(local);
      if (network === undefined) return null;
      return this.cache.get(network, source, msg) ?? this.resolve(network, source, msg, tcp);
    } catch (e) {
      this.opts.crashed(e);
      return null;
    }
  };

  private resolve(network: string, source: string, msg: Buffer, tcp: boolean): Buffer | null | Promise<Buffer | null> {
    let query: Query;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return formatError(msg);
    }
    if (query.type === 'response') return null;
    const limit = tcp ? Infinity : udpLimit(query);
    const decided = answer(this.view, network, source, query, this.turn++);
    if ('forward' in decided) {
      return forward(msg, decided.forward, { tcp, udpLimit: limit, timeoutMs: this.opts.timeoutMs, failed: this.opts.upstreamFailed });
    }
    const out = dnsPacket.encode(decided.response);
    if (out.length > limit) return truncate(decided.response, limit);
    if (decided.cache) this.cache.set(network, source, msg, out);
    return out;
  }
}
