// The host's links by name: built once per plan and handed to every diff and check that looks one up.

import type { ObservedLink, ObservedState } from '../model/observed.js';

export type LinksByName = ReadonlyMap<string, ObservedLink>;

export function linksByName(observed: ObservedState): LinksByName {
  return new Map(observed.links.map((l) => [l.name, l]));
}
