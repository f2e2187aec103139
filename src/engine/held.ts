// The addresses a spec's containers already hold in the kernel: allocation keeps them.

import type { Held } from '../reconcile/allocate.js';
import type { ObservedState } from '../model/observed.js';
import { parseMark } from '../reconcile/marks.js';

export function heldBy(spec: string, observed: ObservedState): Pick<Held, 'ips'> {
  const ips: Record<string, string> = {};
  for (const ns of Object.values(observed.netns)) {
    const m = parseMark(ns.mark);
    if (m?.spec !== spec || m.name !== ns.name) continue;
    const addr = ns.links.find((l) => l.name === 'eth0')?.addrs[0];
    if (addr) ips[ns.name] = addr.split('/')[0];
  }
  return { ips };
}
