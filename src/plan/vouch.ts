// Which namespaces need not be entered: those whose host veth carries the seal the spec asks for.

import type { DesiredState } from '../model/desired.js';
import type { ObservedLink, ObservedState } from '../model/observed.js';
import { mark, netnsOfKey, parseSeal } from '../ownership/marks.js';
import { linksByName } from './links-by-name.js';

/**
 * A sealed, up, enslaved host end whose peer lives in the container's namespace vouches for what is inside:
 * tnet sealed it after configuring that side, with a digest of that configuration. Entering a namespace costs
 * a process (milliseconds); the seal costs nothing to read. Hand edits inside such a namespace are seen by
 * `apply --deep` and by watch mode (kernel events, resync), not by a plain apply. Returns name → netns mark.
 */
export function vouched(desired: DesiredState, observed: ObservedState, ids: Map<string, string>): Map<string, string> {
  const links = linksByName(observed);
  const marks = new Map(desired.netns.flatMap((n) => (n.kind === 'alias' ? [] : [[n.name, n.mark] as const])));
  const inNs = (l: ObservedLink, ns: string) => {
    const peer = l.peerNetnsId != null ? observed.nsids[l.peerNetnsId] : undefined;
    return peer !== undefined && ids.get(peer) !== undefined && ids.get(peer) === ids.get(ns);
  };
  const out = new Map<string, string>();
  // A namespace with several endpoints is vouched for only when every one of them is sealed.
  const unsealed = new Set<string>();
  for (const e of desired.endpoints) {
    const l = links.get(e.hostIf);
    const mark = marks.get(e.netns);
    // An intent still recorded: an apply that made this namespace sealed its veth before configuring the
    // inside, and did not get through (it crashed, or failed and kept what it did): the seal proves nothing.
    const settled = observed.intents[e.netns] === undefined;
    if (l && mark && settled && l.alias === e.seal && l.up && l.master === e.bridge && inNs(l, e.netns)) out.set(e.netns, mark);
    else unsealed.add(e.netns);
  }
  for (const ns of unsealed) out.delete(ns);
  // A namespace the spec no longer wants only needs its owner known to be pruned: its seal says it.
  for (const l of observed.links) {
    const m = l.owner;
    if (m?.spec !== desired.spec || m.kind !== 'veth') continue;
    const ns = netnsOfKey(m.name);
    if (marks.has(ns)) continue;
    const seal = parseSeal(l.alias);
    if (seal && inNs(l, ns)) {
      out.set(ns, mark(desired.spec, seal.netnsKind, ns));
    }
  }
  return out;
}
