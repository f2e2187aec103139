// What validate found of each container alone, kept between loads by the frozen container object (watch mode).

import type { ContainerSpec } from '../model/spec.js';
import type { Report } from './checks.js';
import { AcrossIndex, type Indexed } from './across-index.js';

/** A report call kept to be made again: positions are looked up on each load, as an edit above moves lines. */
export type Call = readonly [path: string, message: string, hint: string | undefined, onKey: boolean | undefined];

/** Most containers are fine: they all share this one list. */
export const NO_CALLS: readonly Call[] = Object.freeze([]);

/** A Report that keeps its calls in `into` for replay. */
export function recorder(into: Call[]): Report {
  return (path, message, hint, onKey) => {
    into.push([path, message, hint, onKey]);
  };
}

export function replay(calls: readonly Call[], report: Report): void {
  for (let i = 0; i < calls.length; i++) report(calls[i][0], calls[i][1], calls[i][2], calls[i][3]);
}

/** What is remembered under one context: each container's facts, and the keys they hold across containers. */
export interface Remembered<F extends Indexed> {
  facts: WeakMap<ContainerSpec, F>;
  index: AcrossIndex<F>;
  /** The last list checked and its facts, position by position: a list patched from it is looked up by its changes. */
  last?: { containers: readonly ContainerSpec[]; facts: readonly F[] };
}

/**
 * A container's own checks depend on the container, its raw entry and the networks it joins. NormalForms hands
 * back the same frozen object for an unchanged entry (and so for the same raw entry), so the object stands for
 * the first two; `context` (the networks, as normalized) for the rest: a new one forgets every container.
 * Held by whoever re-reads (LoadCache).
 */
export class ContainerChecks<F extends Indexed> {
  private context: string | null = null;
  private memory: Remembered<F> = { facts: new WeakMap(), index: new AcrossIndex() };

  under(context: string): Remembered<F> {
    if (context !== this.context) {
      this.context = context;
      this.memory = { facts: new WeakMap(), index: new AcrossIndex() };
    }
    return this.memory;
  }
}
