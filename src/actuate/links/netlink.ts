// The netlink link backend: libexec/tnet-netlink.pl configures many namespaces from one process.

import { packageFile } from '../../util/package-files.js';
import type { Action, SealAction } from '../../model/action.js';
import type { LinkBackend, ReadyLinks } from '../../model/backends.js';
import { tnetError, type TnetError } from '../../model/errors.js';
import { netnsPath } from '../../ownership/paths.js';
import { chunk, run, runAhead, start, type Started } from '../../util/exec.js';
import { workerOp } from '../link-ops.js';

const WORKER = packageFile('libexec/tnet-netlink.pl');
// Two workers keep both cores busy; more only contend for the kernel's rtnl lock.
const WORKERS = 2;

export const netlinkLinks: LinkBackend = { name: 'netlink', configure: (jobs, seals) => runWorker(jobs, seals, []), ready: readyWorkers };

/**
 * The two workers of the insides, started ahead: a fork of tnet and perl's start, each, that the insides
 * otherwise paid first (beside the check's own processes, the main thread blocked in spawn for tens of ms).
 * Started at the priority of the rest, beside the host batch that runs ahead; once given the insides they run
 * ahead in turn, of the check's reads, the DNS server's reload and the files written meanwhile.
 */
function readyWorkers(): ReadyLinks {
  const started = Array.from({ length: WORKERS }, () => start('perl', [WORKER]));
  let unused = started;
  return {
    configure: (jobs, seals) => {
      const mine = unused;
      for (const s of mine) runAhead(s.pid);
      unused = [];
      return runWorker(jobs, seals, mine);
    },
    close: () => {
      for (const s of unused) s.feed('');
      unused = [];
    },
  };
}

/**
 * 'unavailable' when the worker cannot serve these jobs (no perl, unknown architecture, an op it lacks).
 * The insides first, by two workers; then the seals, each only once its namespace's line went through (it
 * vouches for that side), all of them in one line of one worker, in the host namespace. Why apart: a seal is
 * an alias set on a host veth, and every such change makes the kernel walk the host's links and nsids; at
 * 10,000 containers two workers interleaving seals with the insides took ~2 ms a seal, one worker setting
 * them one after the other ~0.7 ms (and nothing else moves at 3,000).
 */
async function runWorker(jobs: ReadonlyMap<string, Action[]>, seals: SealAction[], started: Started[]): Promise<TnetError[] | 'unavailable'> {
  const lines = insideLines(jobs);
  if (lines === null) {
    for (const s of started) s.feed('');
    return 'unavailable';
  }
  const inside = await runLines(lines, WORKERS, started);
  if (inside === 'unavailable') return inside;
  const ready = seals.filter((s) => !jobs.has(s.netns) || inside.done.has(netnsPath(s.netns)));
  if (ready.length === 0) return inside.errors;
  const sealed = await runLines([['-', ...ready.map((s) => workerOp(s)!)].join('\t')], 1);
  // Only when nothing ran before it can the worker be missing here: the next backend then does it all.
  if (sealed === 'unavailable') return lines.length === 0 ? sealed : [...inside.errors, tnetError('kernel', 'the namespace worker could not start to set the seals')];
  return [...inside.errors, ...sealed.errors];
}

/** The paths whose line went through, and the errors of the others. */
interface Ran {
  done: Set<string>;
  errors: TnetError[];
}

/** `started`: workers started ahead, used in turn (any left over get no input and exit); others are started now. */
async function runLines(lines: string[], workers: number, started: Started[] = []): Promise<Ran | 'unavailable'> {
  const parts = lines.length ? chunk(lines, workers) : [];
  const feed = (part: string[], i: number) => {
    const input = `${part.join('\n')}\n`;
    if (i >= started.length) return run('perl', [WORKER], input, { ahead: true });
    started[i].feed(input);
    return started[i].result;
  };
  const running = parts.map(feed);
  for (const s of started.slice(parts.length)) s.feed('');
  if (lines.length === 0) return { done: new Set(), errors: [] };
  const results = await Promise.all(running);
  // -1: no perl; 3: an architecture whose setns number the worker does not know. Either way nothing ran.
  if (results.every((r) => r.code === -1 || r.code === 3)) return 'unavailable';
  const crashed = results.find((r) => r.code !== 0);
  if (crashed) return { done: new Set(), errors: [tnetError('kernel', `the namespace worker failed: ${crashed.stderr.trim()}`)] };
  const answers = results.flatMap((r) => r.stdout.split('\n').filter(Boolean));
  const errors = answers.filter((l) => l.startsWith('ERR ')).map(toError);
  if (answers.length !== lines.length && errors.length === 0) {
    return { done: new Set(), errors: [tnetError('kernel', `the namespace worker answered for ${answers.length} of ${lines.length} namespaces`)] };
  }
  return { done: new Set(answers.filter((l) => l.startsWith('OK ')).map((l) => l.slice(3))), errors };
}

/** The worker's input, one line per namespace: null when an action is one it does not speak. */
function insideLines(jobs: ReadonlyMap<string, Action[]>): string[] | null {
  const lines: string[] = [];
  for (const [ns, actions] of jobs) {
    const ops = actions.map(workerOp);
    if (ops.some((o) => o === null)) return null;
    lines.push([netnsPath(ns), ...ops].join('\t'));
  }
  return lines;
}

function toError(line: string): TnetError {
  const [head, , op, message] = line.split('\t');
  if (head === 'ERR -') return tnetError('kernel', `sealing ${op.split(' ')[1]} failed: ${message}`, { hint: `while running: ${op}` });
  const ns = head.slice(4).split('/').pop();
  return tnetError('kernel', `configuring namespace ${ns} failed: ${message}`, { hint: `while running: ${op}` });
}
