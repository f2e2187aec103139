// Takes the host's lock for a command that changes the host, or says who holds it: exit code 4.

import type { Args } from './args.js';
import { exitCodeOf } from '../model/errors.js';
import { renderErrors } from '../render/errors.js';
import { acquireLock, describeHolder, type Lock } from '../reconcile/lock.js';

/** `--wait` blocks until the holder is done; without it a held lock is an error the caller returns. */
export async function lockForCommand(args: Args, say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Lock | number> {
  const file = typeof args.flags.file === 'string' ? ` -f ${args.flags.file}` : '';
  const r = await acquireLock({
    command: `tnet ${args.command}${file}`,
    wait: Boolean(args.flags.wait),
    onWait: (h) => say(`tnet ${args.command}: waiting for the lock held by ${describeHolder(h)}`),
  });
  if (r.ok) return r.value;
  process.stderr.write(`${renderErrors(r.errors)}\n`);
  return exitCodeOf(r.errors);
}
