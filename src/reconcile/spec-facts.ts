// What the reads and the first desire need to know of a spec's containers, kept by list and patched by its changes.

import { effectivePorts } from '../desired/allocate.js';
import { choosesPort } from '../desired/held.js';
import type { ContainerSpec } from '../model/spec.js';
import { Memo } from '../util/memo.js';
import { listPatchOf } from '../util/patch.js';

/** Found in one walk of a spec's containers. */
export interface SpecFacts {
  /** The `netns:` paths it names. */
  paths: string[];
  /** Whether it publishes any host port: only then are the host's sockets read. */
  publishes: boolean;
  /** Whether tnet picks some host port itself (hasChosenPorts). */
  chosen: boolean;
}

/** One container's part of SpecFacts. */
type ContainerFacts = Pick<SpecFacts, 'publishes' | 'chosen'>;

/** SpecFacts with how many containers publish and choose: a change of a few adjusts the counts. */
interface Tally {
  facts: SpecFacts;
  publishing: number;
  choosing: number;
}

/**
 * Each pass asks them several times of the same list (the early read's key, the reads, the desire), and an
 * edit of a few of ten thousand containers makes a list patched from the last (util/patch.ts): its facts are
 * the last ones with those few counted again, not a walk of all. A list made otherwise is walked, each
 * container's part looked up by identity.
 */
export class SpecFactsMemo {
  private readonly lists = new WeakMap<readonly ContainerSpec[], Tally>();
  private readonly containers = new Memo<ContainerSpec, ContainerFacts>();

  of(list: readonly ContainerSpec[]): SpecFacts {
    let tally = this.lists.get(list);
    if (tally === undefined) {
      tally = this.patched(list) ?? this.walked(list);
      this.lists.set(list, tally);
    }
    return tally.facts;
  }

  private part(c: ContainerSpec): ContainerFacts {
    return this.containers.get(c, '', () => ({ publishes: effectivePorts(c).length > 0, chosen: choosesPort(c) }));
  }

  /** Null unless the list is patched from one tallied, and no container changed names a `netns:` path (their order would). */
  private patched(list: readonly ContainerSpec[]): Tally | null {
    const patch = listPatchOf(list);
    const before = patch && this.lists.get(patch.from);
    if (!patch || !before || patch.at.some((i) => patch.from[i].netns || list[i].netns)) return null;
    let { publishing, choosing } = before;
    for (const i of patch.at) {
      const [was, now] = [this.part(patch.from[i]), this.part(list[i])];
      publishing += Number(now.publishes) - Number(was.publishes);
      choosing += Number(now.chosen) - Number(was.chosen);
    }
    return { facts: { paths: before.facts.paths, publishes: publishing > 0, chosen: choosing > 0 }, publishing, choosing };
  }

  private walked(list: readonly ContainerSpec[]): Tally {
    const paths: string[] = [];
    let publishing = 0;
    let choosing = 0;
    for (const c of list) {
      if (c.netns) paths.push(c.netns);
      const f = this.part(c);
      publishing += Number(f.publishes);
      choosing += Number(f.chosen);
    }
    return { facts: { paths, publishes: publishing > 0, chosen: choosing > 0 }, publishing, choosing };
  }
}
