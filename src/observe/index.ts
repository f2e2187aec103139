// Observes everything the planner compares against: host links and routes, namespaces, files, firewall.

import type { ObservedState } from '../model/observed.js';
import { observeFiles } from './files.js';
import { observeHost } from './host.js';
import { observeIntents } from './intents.js';
import { namespaceIds, observeNetns } from './netns.js';

export interface ObserveOptions {
  firewall: (() => Promise<ObservedState['firewall']>) | null;
  /** `netns:` paths named by the spec, resolved to namespace ids. */
  paths: string[];
}

export async function observe(opts: ObserveOptions): Promise<ObservedState> {
  const [host, netns, files, paths, intents, firewall] = await Promise.all([
    observeHost(),
    observeNetns(),
    observeFiles(),
    namespaceIds(opts.paths),
    observeIntents(),
    opts.firewall ? opts.firewall() : Promise.resolve(null),
  ]);
  return { ...host, netns, files: files.files, fileDirs: files.dirs, paths, intents, firewall };
}
