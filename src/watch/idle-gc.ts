// Collects garbage while the controller is idle, once enough has piled up, so that an edit does not pay for the last reconciles'.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { traceAt } from '../util/trace.js';

export interface IdleCollector {
  /** A reconcile is over: collect after a moment of quiet, if the heap grew by more than the budget since the last collection. */
  schedule(): void;
  cancel(): void;
  /** At once, on the same condition: between passes that run back to back while idle, lest the garbage of both add up. */
  now(): void;
}

export interface CollectorOptions {
  delayMs?: number;
  /** V8's full collection; undefined where it cannot be had (the collector then does nothing). */
  gc?: (() => void) | undefined;
  /** Bytes of heap in use. */
  heapUsed?: () => number;
}

/** The growth allowed before a collection: a fixed floor, or a share of what was alive after the last one. */
export const BUDGET_FLOOR = 64 * 2 ** 20;
export const BUDGET_SHARE = 0.5;
export const budgetAfter = (live: number): number => Math.max(BUDGET_FLOOR, live * BUDGET_SHARE);

/**
 * A reconcile of a thousand containers leaves tens of MB behind; V8 collects it when the next one allocates,
 * pausing that one. A full collection once things are quiet moves the pause to where nobody waits, and keeps
 * the peak memory near what is alive.
 *
 * Not after every reconcile, though: a forced collection also lets die the hidden classes V8's optimised code
 * was made for, and the next pass runs deoptimised and compiles it all again. At ten thousand containers one
 * edit took ~140 ms with a collection after each, ~90 ms without (the background threads compiling again
 * took most of both cores). So the heap may grow by a budget first (the larger of 64 MB and half of what
 * was alive after the last collection): a few edits between collections, and the peak bounded all the same.
 */
export function idleCollector(opts: CollectorOptions = {}): IdleCollector {
  const delayMs = opts.delayMs ?? 100;
  const gc = 'gc' in opts ? opts.gc : exposedGc();
  const heapUsed = opts.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  let live = heapUsed();
  let timer: NodeJS.Timeout | null = null;
  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const due = () => gc !== undefined && heapUsed() - live > budgetAfter(live);
  const collect = () => {
    traceAt('idle collection');
    gc?.();
    live = heapUsed();
  };
  return {
    schedule: () => {
      cancel();
      if (due()) timer = setTimeout(() => ((timer = null), collect()), delayMs).unref();
    },
    cancel,
    now: () => {
      cancel();
      if (due()) collect();
    },
  };
}

function exposedGc(): (() => void) | undefined {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as (() => void) | undefined;
}
