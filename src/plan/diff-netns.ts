// Diffs named namespaces: create, attach or alias them, re-point stale ones, prune those this spec owns.

import type { Action } from '../model/action.js';
import type { DesiredNetns, DesiredState } from '../model/desired.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { ObservedNetns, ObservedState } from '../model/observed.js';
import { NETNS_DIR } from '../ownership/paths.js';
import { parseMark } from '../ownership/marks.js';

export interface NetnsDiff {
  actions: Action[];
  /** Namespaces the plan creates or re-points: whatever was observed inside them no longer applies. */
  fresh: Set<string>;
  errors: TnetError[];
}

/** The lo mark, or for a namespace an interrupted apply created, the mark it recorded beforehand. */
export function netnsMark(observed: ObservedState, obs: ObservedNetns): string | null {
  return obs.mark ?? observed.intents[obs.name] ?? null;
}

export function diffNetns(desired: DesiredState, observed: ObservedState): NetnsDiff {
  const out: NetnsDiff = { actions: [], fresh: new Set(), errors: [] };
  const ordered = [...desired.netns].sort((a, b) => Number(a.kind === 'alias') - Number(b.kind === 'alias'));
  for (const d of ordered) diffOne(d, desired.spec, observed, out);
  const wanted = new Set(desired.netns.map((n) => n.name));
  for (const obs of Object.values(observed.netns)) {
    if (!wanted.has(obs.name) && parseMark(netnsMark(observed, obs))?.spec === desired.spec) {
      out.actions.push({ op: 'netns-del', name: obs.name });
    }
  }
  return out;
}

function diffOne(d: DesiredNetns, spec: string, observed: ObservedState, out: NetnsDiff): void {
  const obs = observed.netns[d.name];
  if (obs && obs.id !== '') {
    if (isWanted(d, obs, observed, out.fresh)) {
      // Marked again when an intent outlived the apply that recorded it: recorded anew and dropped once this
      // apply goes through, it stops keeping the namespace's seal from vouching (vouch.ts).
      const lingers = observed.intents[d.name] !== undefined;
      if (d.kind !== 'alias' && (obs.mark !== d.mark || (obs.read && (!loUp(obs) || lingers)))) out.actions.push({ op: 'netns-mark', name: d.name, mark: d.mark });
      return;
    }
    if (parseMark(netnsMark(observed, obs))?.spec !== spec) {
      out.errors.push(conflict(d, obs, spec));
      return;
    }
  }
  // Missing, stale (a file with no namespace behind it), or one of ours that now points elsewhere.
  if (obs) out.actions.push({ op: 'netns-del', name: d.name });
  out.fresh.add(d.name);
  if (d.kind === 'created') out.actions.push({ op: 'netns-add', name: d.name });
  else out.actions.push({ op: 'netns-attach', name: d.name, source: d.kind === 'attached' ? d.source : `${NETNS_DIR}/${d.target}` });
  if (d.kind !== 'alias') out.actions.push({ op: 'netns-mark', name: d.name, mark: d.mark });
}

/** Whether the observed name already is the namespace the spec wants under it. */
function isWanted(d: DesiredNetns, obs: ObservedNetns, observed: ObservedState, fresh: Set<string>): boolean {
  switch (d.kind) {
    case 'created':
      return netnsMark(observed, obs) === d.mark;
    case 'attached':
      // The path's namespace may already carry this name (the user named it): tnet then only marks it.
      return observed.paths[d.source] === obs.id;
    case 'alias':
      return !fresh.has(d.target) && observed.netns[d.target]?.id === obs.id;
  }
}

function loUp(obs: ObservedNetns): boolean {
  return obs.links.find((l) => l.name === 'lo')?.up ?? false;
}

function conflict(d: DesiredNetns, obs: ObservedNetns, spec: string): TnetError {
  const m = parseMark(obs.mark);
  const owner = m ? `tnet spec '${m.spec}'` : 'something other than tnet';
  return tnetError('conflict', `namespace ${d.name} already exists and belongs to ${owner}`, {
    path: `containers.${d.name}`,
    hint: m
      ? `apply this file as spec '${m.spec}' (--name ${m.spec}), rename the container, or destroy spec '${m.spec}' first`
      : `remove it (ip netns del ${d.name}) or rename the container in spec '${spec}'`,
  });
}
