// Turns a failed `ip -batch` or `bridge -batch` into an error that names the line it stopped at.

import { tnetError, type TnetError } from '../model/errors.js';

/**
 * `where` is 'host' or a namespace's name. Both tools report `Command failed FILE:N` and stop there, so the
 * lines after N were not run.
 */
export function batchError(tool: 'ip' | 'bridge', where: string, lines: string[], stderr: string): TnetError {
  const m = /Command failed \S+:(\d+)/.exec(stderr);
  const line = m ? lines[Number(m[1]) - 1] : undefined;
  const reason = stderr.split('\n').filter((l) => l && !l.startsWith('Command failed')).join('; ');
  return tnetError('kernel', `${tool} failed in ${where === 'host' ? 'the host namespace' : `namespace ${where}`}: ${reason || stderr.trim()}`, {
    hint: line ? `while running: ${tool} ${line}` : undefined,
  });
}
