// A read of the host that failed: thrown as a tnet error naming the command and what it said, never a stack.

import { tnetError, TnetFailure } from '../model/errors.js';

/** `reading`: what the command was reading, as in "ip failed reading the host". */
export function readFailed(cmd: string, reading: string, stderr: string, hint: string): TnetFailure {
  return new TnetFailure([tnetError('observe', `${cmd} failed reading ${reading}: ${stderr.trim() || 'no message'}`, { hint })]);
}
