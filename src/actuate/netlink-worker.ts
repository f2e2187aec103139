// Runs the namespace-side actions through libexec/tnet-netlink.pl: many namespaces from one process.

import { packageFile } from '../util/package-files.js';
import type { Action } from '../model/action.js';
import { tnetError, type TnetError } from '../model/errors.js';
import { netnsPath } from '../ownership/paths.js';
import { chunk, run } from '../util/exec.js';
import { workerOp } from './link-ops.js';

const WORKER = packageFile('libexec/tnet-netlink.pl');
// Two workers keep both cores busy; more only contend for the kernel's rtnl lock.
const WORKERS = 2;

export type WorkerOutcome = { ran: true; errors: TnetError[] } | { ran: false };

type Seal = Extract<Action, { op: 'link-seal' }>;

/**
 * `ran: false` when the worker cannot serve these jobs (no perl, unknown architecture, an op it lacks). A seal
 * rides at the end of its namespace's line, so it is set only when everything before it went through; seals
 * of namespaces with nothing to do inside get lines of their own in the host namespace (`-`).
 */
export async function runWorker(jobs: Map<string, Action[]>, seals: Seal[] = []): Promise<WorkerOutcome> {
  // A namespace with several networks has a seal per endpoint.
  const sealOf = new Map<string, string[]>();
  for (const s of seals) sealOf.set(s.netns, [...(sealOf.get(s.netns) ?? []), workerOp(s)!]);
  const lines: string[] = [];
  for (const [ns, actions] of jobs) {
    const ops = actions.map(workerOp);
    if (ops.some((o) => o === null)) return { ran: false };
    lines.push([netnsPath(ns), ...ops, ...(sealOf.get(ns) ?? [])].join('\t'));
  }
  for (const [ns, list] of sealOf) if (!jobs.has(ns)) lines.push(['-', ...list].join('\t'));
  const results = await Promise.all(chunk(lines, WORKERS).map((part) => run('perl', [WORKER], `${part.join('\n')}\n`)));
  // -1: no perl; 3: an architecture whose setns number the worker does not know. Either way nothing ran.
  if (results.every((r) => r.code === -1 || r.code === 3)) return { ran: false };
  const crashed = results.find((r) => r.code !== 0);
  if (crashed) return { ran: true, errors: [tnetError('kernel', `the namespace worker failed: ${crashed.stderr.trim()}`)] };
  const done = results.flatMap((r) => r.stdout.split('\n').filter(Boolean));
  const errors = done.filter((l) => l.startsWith('ERR ')).map(toError);
  if (done.length !== lines.length && errors.length === 0) {
    errors.push(tnetError('kernel', `the namespace worker answered for ${done.length} of ${lines.length} namespaces`));
  }
  return { ran: true, errors };
}

function toError(line: string): TnetError {
  const [head, , op, message] = line.split('\t');
  const ns = head.slice(4).split('/').pop();
  return tnetError('kernel', `configuring namespace ${ns} failed: ${message}`, { hint: `while running: ${op}` });
}
