// Diffs the /etc/netns/<name> folders: write files whose content differs, remove folders this spec owns no more.

import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { tnetError, type TnetError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import { parseMark } from '../ownership/marks.js';

/** The owner of a folder is the mark on the first line of its hosts file. */
export function folderOwner(observed: ObservedState, dir: string): string | null {
  const first = observed.files[`${dir}/hosts`]?.split('\n', 1)[0] ?? '';
  return first.startsWith('# ') ? first.slice(2) : null;
}

export function diffFiles(desired: DesiredState, observed: ObservedState): { actions: Action[]; errors: TnetError[] } {
  const actions: Action[] = [];
  const errors: TnetError[] = [];
  // The files that differ first, without an index of anything: on a re-apply none does, and the folders are
  // looked at only for those that do (every folder has its hosts file among the files wanted).
  const differing = desired.files.filter((f) => observed.files[f.path] !== f.content);
  const blocked = differing.length > 0 ? blockedDirs(desired, observed, errors) : new Set<string>();
  for (const f of differing) {
    const dir = f.path.slice(0, f.path.lastIndexOf('/'));
    if (!blocked.has(dir)) actions.push({ op: 'file-write', path: f.path, content: f.content });
  }
  const wanted = new Set(desired.fileDirs);
  for (const dir of observed.fileDirs) {
    if (!wanted.has(dir) && parseMark(folderOwner(observed, dir))?.spec === desired.spec) actions.push({ op: 'dir-remove', path: dir });
  }
  return { actions, errors };
}

/** The folders wanted that exist and are not this spec's (another spec's, or no tnet's), each with its error. */
function blockedDirs(desired: DesiredState, observed: ObservedState, errors: TnetError[]): Set<string> {
  const present = new Set(observed.fileDirs);
  const blocked = new Set<string>();
  // A hosts file as wanted starts with this spec's mark: its folder is ours, with no mark to parse.
  const wantedHosts = new Map(desired.files.map((f) => [f.path, f.content]));
  for (const dir of desired.fileDirs) {
    if (!present.has(dir)) continue;
    const hosts = observed.files[`${dir}/hosts`];
    if (hosts !== undefined && hosts === wantedHosts.get(`${dir}/hosts`)) continue;
    const owner = parseMark(folderOwner(observed, dir));
    if (owner?.spec !== desired.spec) {
      blocked.add(dir);
      const by = owner ? `belongs to tnet spec '${owner.spec}'` : 'was not written by tnet';
      errors.push(
        tnetError('conflict', `${dir} already exists and ${by}`, {
          hint: `move it away: tnet writes hosts and resolv.conf there for container ${dir.split('/').pop()}`,
        }),
      );
    }
  }
  return blocked;
}
