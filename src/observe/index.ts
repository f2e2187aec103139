// Observes what the planner compares against, in two steps: first all that needs no namespace entered,
// then the insides of the namespaces the host side does not vouch for.

import type { ObservedState } from '../model/observed.js';
import { observeFdb } from './fdb.js';
import { observeFiles } from './files.js';
import { observeHost } from './host.js';
import { observeIntents } from './intents.js';
import { listNetns, namespaceIds, readNetns, type NetnsList } from './netns.js';

export interface ObserveOptions {
  firewall: (() => Promise<ObservedState['firewall']>) | null;
  /** `netns:` paths named by the spec, resolved to namespace ids. */
  paths: string[];
  /** Read the VXLAN forwarding entries: only a spec with overlays needs them (one more process). */
  fdb?: boolean;
}

/** Everything but the namespaces' insides: `netns` is still empty, `listed` says which exist. */
export interface BaseObservation {
  observed: ObservedState;
  listed: NetnsList;
}

export async function observeBase(opts: ObserveOptions): Promise<BaseObservation> {
  // The processes first, so they run while the synchronous file reads below block this one.
  const [host, firewall] = [observeHost(), opts.firewall ? opts.firewall() : Promise.resolve(null)];
  const fdb = opts.fdb ? observeFdb() : Promise.resolve([]);
  const [listed, files, paths, intents] = await Promise.all([listNetns(), observeFiles(), namespaceIds(opts.paths), observeIntents()]);
  return { observed: { ...(await host), fdb: await fdb, netns: {}, files: files.files, fileDirs: files.dirs, paths, intents, firewall: await firewall }, listed };
}

/** The second step: `vouched` maps the names not to enter to the mark their seal vouches for. */
export async function observeInside(base: BaseObservation, vouched: Map<string, string>): Promise<ObservedState> {
  return { ...base.observed, netns: await readNetns(base.listed, vouched) };
}

/** Both steps, entering every namespace: for `status` and `apply --deep`. */
export async function observe(opts: ObserveOptions): Promise<ObservedState> {
  return observeInside(await observeBase(opts), new Map());
}
