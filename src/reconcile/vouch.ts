// Which namespaces need not be entered: those whose host veth carries the seal the spec asks for.

import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';

/**
 * A sealed, up, enslaved host end whose peer lives in the container's namespace vouches for what is inside:
 * tnet sealed it after configuring that side, with a digest of that configuration. Entering a namespace costs
 * a process (milliseconds); the seal costs nothing to read. Hand edits inside such a namespace are seen by
 * `apply --deep` and by watch mode (kernel events, resync), not by a plain apply. Returns name → netns mark.
 */
export function vouched(desired: DesiredState, observed: ObservedState, ids: Map<string, string>): Map<string, string> {
  const links = new Map(observed.links.map((l) => [l.name, l]));
  const marks = new Map(desired.netns.flatMap((n) => (n.kind === 'alias' ? [] : [[n.name, n.mark] as const])));
  const out = new Map<string, string>();
  for (const e of desired.endpoints) {
    const l = links.get(e.hostIf);
    const peer = l?.peerNetnsId != null ? observed.nsids[l.peerNetnsId] : undefined;
    const mark = marks.get(e.netns);
    const sameNs = peer !== undefined && ids.get(peer) !== undefined && ids.get(peer) === ids.get(e.netns);
    if (l && mark && l.alias === e.seal && l.up && l.master === e.bridge && sameNs) out.set(e.netns, mark);
  }
  return out;
}
