// The netlink link backend: libexec/tnet-netlink.pl configures many namespaces from one process.

import { packageFile } from '../../util/package-files.js';
import type { Action, SealAction } from '../../model/action.js';
import type { LinkBackend } from '../../model/backends.js';
import { tnetError, type TnetError } from '../../model/errors.js';
import { netnsPath } from '../../ownership/paths.js';
import { chunk, run } from '../../util/exec.js';
import { workerOp } from '../link-ops.js';

const WORKER = packageFile('libexec/tnet-netlink.pl');
// Two workers keep both cores busy; more only contend for the kernel's rtnl lock.
const WORKERS = 2;

export const netlinkLinks: LinkBackend = { name: 'netlink', configure: runWorker };

/**
 * 'unavailable' when the worker cannot serve these jobs (no perl, unknown architecture, an op it lacks). A
 * seal rides at the end of its namespace's line, so it is set only when everything before it went through;
 * seals of namespaces with nothing to do inside get lines of their own in the host namespace (`-`).
 */
async function runWorker(jobs: ReadonlyMap<string, Action[]>, seals: SealAction[]): Promise<TnetError[] | 'unavailable'> {
  const lines = workerLines(jobs, seals);
  if (lines === null) return 'unavailable';
  const results = await Promise.all(chunk(lines, WORKERS).map((part) => run('perl', [WORKER], `${part.join('\n')}\n`)));
  // -1: no perl; 3: an architecture whose setns number the worker does not know. Either way nothing ran.
  if (results.every((r) => r.code === -1 || r.code === 3)) return 'unavailable';
  const crashed = results.find((r) => r.code !== 0);
  if (crashed) return [tnetError('kernel', `the namespace worker failed: ${crashed.stderr.trim()}`)];
  const done = results.flatMap((r) => r.stdout.split('\n').filter(Boolean));
  const errors = done.filter((l) => l.startsWith('ERR ')).map(toError);
  if (done.length !== lines.length && errors.length === 0) {
    return [tnetError('kernel', `the namespace worker answered for ${done.length} of ${lines.length} namespaces`)];
  }
  return errors;
}

/** The worker's input, one line per namespace: null when an action is one it does not speak. */
function workerLines(jobs: ReadonlyMap<string, Action[]>, seals: SealAction[]): string[] | null {
  // A namespace with several networks has a seal per endpoint.
  const sealsOf = new Map<string, string[]>();
  for (const s of seals) sealsOf.set(s.netns, [...(sealsOf.get(s.netns) ?? []), workerOp(s)!]);
  const lines: string[] = [];
  for (const [ns, actions] of jobs) {
    const ops = actions.map(workerOp);
    if (ops.some((o) => o === null)) return null;
    lines.push([netnsPath(ns), ...ops, ...(sealsOf.get(ns) ?? [])].join('\t'));
  }
  for (const [ns, list] of sealsOf) if (!jobs.has(ns)) lines.push(['-', ...list].join('\t'));
  return lines;
}

function toError(line: string): TnetError {
  const [head, , op, message] = line.split('\t');
  const ns = head.slice(4).split('/').pop();
  return tnetError('kernel', `configuring namespace ${ns} failed: ${message}`, { hint: `while running: ${op}` });
}
