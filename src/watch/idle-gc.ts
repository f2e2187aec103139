// Collects garbage while the controller is idle, so that an edit does not pay for the last reconcile's.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A reconcile of a thousand containers leaves tens of MB behind; V8 collects it when the next one allocates,
 * pausing that one. A full collection once things are quiet moves the pause to where nobody waits.
 */
export function idleCollector(delayMs = 100): { schedule(): void; cancel(): void; now(): void } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  let timer: NodeJS.Timeout | null = null;
  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return {
    schedule: () => {
      cancel();
      if (gc) timer = setTimeout(() => ((timer = null), gc()), delayMs).unref();
    },
    cancel,
    /** At once: between passes that run back to back while idle, lest the garbage of both add up. */
    now: () => {
      cancel();
      gc?.();
    },
  };
}
