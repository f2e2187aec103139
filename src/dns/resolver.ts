// One query from the wire to the wire: the cache, else decode, decide, encode (and keep), or forward.

import * as dnsPacket from 'dns-packet';
import { answer, type Decision } from './answer.js';
import { AnswerCache } from './cache.js';
import { IdleCollector } from './idle-gc.js';
import { forward } from './forward.js';
import { formatError, serverFailure, truncate, udpLimit, type Query } from './packets.js';
import { querierAt, type DnsView, type NetworkView } from './view.js';

export interface ResolverOptions {
  /** How long one upstream has to answer. */
  timeoutMs: number;
  /** Queries waiting on upstreams at once; past that, SERVFAIL at once. */
  maxForwarding: number;
  /** The first query past maxForwarding (the caller rate-limits what it logs). */
  overloaded: () => void;
  /** An upstream that failed a query (the caller rate-limits what it logs). */
  upstreamFailed: (upstream: string, reason: string) => void;
  /** A query that made the server fail: logged, answered with nothing. */
  crashed: (e: unknown) => void;
}

/**
 * Only answers that fit any UDP client are kept: the cache serves UDP and TCP alike. Names shared by more
 * containers than MAX_TURNS are answered afresh each time (each answer a turn of the round robin).
 */
const CACHED_SIZE = 512;
const MAX_TURNS = 16;

/** The view in use and what is derived from it; the listeners call `handle` for every query. */
export class Resolver {
  private cache = new AnswerCache();
  private readonly idle = new IdleCollector();
  private turn = 0;
  private forwarding = 0;

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
      this.idle.touch();
      const net = this.view.atAddress.get(local);
      if (net === undefined) return null;
      const scope = querierAt(net, source)?.profile.scope ?? '';
      return this.cache.get(net, scope, msg) ?? this.resolve(net, scope, source, msg, tcp);
    } catch (e) {
      this.opts.crashed(e);
      return null;
    }
  };

  private resolve(net: NetworkView, scope: string, source: string, msg: Buffer, tcp: boolean): Buffer | null | Promise<Buffer | null> {
    let query: Query;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return formatError(msg);
    }
    if (query.type === 'response') return null;
    const limit = tcp ? Infinity : udpLimit(query);
    const decided = answer(this.view, net.name, source, query, this.turn++);
    if ('forward' in decided) return this.forward(msg, decided.forward, tcp, limit);
    const out = dnsPacket.encode(decided.response);
    if (out.length > limit) return truncate(decided.response, limit);
    if (out.length <= CACHED_SIZE && decided.turns <= MAX_TURNS) this.cache.set(net, scope, msg, this.everyTurn(decided, out, net, source, query));
    return out;
  }

  private async forward(msg: Buffer, upstreams: readonly string[], tcp: boolean, limit: number): Promise<Buffer | null> {
    if (this.forwarding >= this.opts.maxForwarding) {
      this.opts.overloaded();
      return serverFailure(msg);
    }
    this.forwarding++;
    try {
      return await forward(msg, upstreams, { tcp, udpLimit: limit, timeoutMs: this.opts.timeoutMs, failed: this.opts.upstreamFailed });
    } finally {
      this.forwarding--;
    }
  }

  /** The encoded answer of each turn of round robin, starting from the one just sent. */
  private everyTurn(decided: Decision, sent: Buffer, net: NetworkView, source: string, query: Query): Buffer[] {
    if (!('turns' in decided) || decided.turns === 1) return [sent];
    const first = this.turn - 1;
    const rest = Array.from({ length: decided.turns - 1 }, (_, i) => answer(this.view, net.name, source, query, first + i + 1));
    return [sent, ...rest.map((d) => ('response' in d ? dnsPacket.encode(d.response) : sent))];
  }
}
