// Runs `ip -batch` in the host namespace.

import type { TnetError } from '../model/errors.js';
import { IP_OWN_FILES } from '../model/observed.js';
import { openFilesLimit, run, runRaised } from '../util/exec.js';
import { batchError } from './batch-error.js';

/**
 * `force`: go on past a line that fails (`ip -force`), as an undo does; the first failure is still reported.
 * The batch runs ahead of the processes beside it (the rules' restore, the DNS server's start): the apply
 * waits for it alone.
 */
export async function hostBatch(lines: string[], force = false): Promise<TnetError[]> {
  if (lines.length === 0) return [];
  const args = [...(force ? ['-force'] : []), '-batch', '-'];
  const r = await (needsRaisedLimit(lines) ? runRaised : run)('ip', args, lines.join('\n') + '\n', { ahead: true });
  return r.code === 0 ? [] : [batchError('ip', 'host', lines, r.stderr)];
}

/**
 * iproute2 (6.1 at least) keeps open the namespace file of every `netns NAME` a batch names, until it exits:
 * a batch of 600 veths into 600 namespaces fails at the 250th under `ulimit -n 256`. Such a batch runs with the
 * soft limit raised to the hard one, which the planner checked is enough (plan/check-limits.ts).
 */
function netnsArguments(lines: string[]): number {
  return lines.filter((l) => / netns /.test(l)).length;
}

function needsRaisedLimit(lines: string[]): boolean {
  const limit = openFilesLimit();
  return limit !== null && netnsArguments(lines) + IP_OWN_FILES > limit.soft;
}
