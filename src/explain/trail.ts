// The hops of one way through the host as they are met, and the netfilter hooks run on the way.

import type { FwTableName } from '../model/firewall.js';
import type { Arrival, Hop, HopReason, NetView, WhyQuery } from '../model/why.js';
import { runHook, type HookResult, type WalkContext } from './chains.js';
import type { Packet } from './match.js';

/** What the ways through the host are computed from. */
export interface PathContext {
  view: NetView;
  walk: WalkContext;
  isLocal(ip: string): boolean;
  q: WhyQuery;
}

/** How a connection went through the host: what its reply retraces. */
export interface Flow {
  /** bridged: within one bridge; forward: routed through; out: from the host; in: to the host; local: the host to itself; inside: within SRC's namespace. */
  kind: 'bridged' | 'forward' | 'out' | 'in' | 'local' | 'inside';
  in: string;
  out: string;
  /** The original source, and the destination once DNATed. */
  src: string;
  dst: string;
  dport: number | null;
  dnat: boolean;
  snat: boolean;
}

export interface Leg {
  hops: Hop[];
  arrival: Arrival | null;
  flow: Flow | null;
}

export class Trail {
  readonly hops: Hop[] = [];

  constructor(private readonly c: PathContext) {}

  pass(at: string, text: string): void {
    this.hops.push({ at, text, outcome: 'pass', rules: [] });
  }

  /** The way ends here: dropped (or unknown) at `at`, for `reason`. */
  stop(at: string, reason: HopReason, text: string, outcome: 'drop' | 'unknown' = 'drop'): Leg {
    this.hops.push({ at, text, outcome, rules: [], reason });
    return this.ended();
  }

  /** The way ended at the last hop (a hook that dropped the packet). */
  ended(): Leg {
    return { hops: this.hops, arrival: null, flow: null };
  }

  done(arrival: Arrival, flow: Flow): Leg {
    return { hops: this.hops, arrival, flow };
  }

  /** Runs a hook; a nat hook that translated nothing, for certain, is not worth a hop. */
  hook(table: FwTableName, hook: string, p: Packet): HookResult {
    const r = runHook(table, hook, p, this.c.walk);
    if (table === 'nat' && r.nat === null && r.outcome === 'accept') return r;
    const outcome = r.outcome === 'accept' ? 'pass' : r.outcome;
    this.hops.push({ at: `${table} ${hook}`, text: hookText(p, r), outcome, rules: r.steps });
    return r;
  }
}

function hookText(p: Packet, r: HookResult): string {
  const ifs = [p.in && `-i ${p.in}`, p.out && `-o ${p.out}`].filter(Boolean).join(' ');
  const what = r.outcome === 'unknown' ? 'cannot tell' : r.nat ? natText(r) : r.outcome === 'accept' ? 'accepted' : 'dropped';
  return `${p.src} → ${p.dst}${p.dport === null ? '' : `:${p.dport}`}${ifs ? ` (${ifs})` : ''}: ${what}`;
}

function natText(r: HookResult): string {
  const n = r.nat!;
  if (n.kind === 'dnat') return `DNAT to ${n.ip}${n.port === null ? '' : `:${n.port}`}`;
  return n.ip ? `SNAT to ${n.ip}` : 'MASQUERADE';
}

/** A packet on its way out: NEW, the first of its connection. */
export function firstPacket(q: WhyQuery, src: string, dst: string): Packet {
  return { src, dst, proto: q.proto, sport: null, dport: q.port, in: '', out: '', ct: ['NEW'], first: true };
}
