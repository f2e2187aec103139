// Timing lines on stderr when TNET_TRACE is set: where a reconcile spends its time.

const on = Boolean(process.env.TNET_TRACE);

/** Prints the time since `since` under `label` and returns now, to chain measurements. */
export function trace(label: string, since: number): number {
  const now = performance.now();
  if (on) process.stderr.write(`tnet trace: ${label} ${(now - since).toFixed(1)} ms\n`);
  return now;
}

/** Prints the wall-clock time of an event, to line it up with what another process saw (the watch's edits). */
export function traceAt(label: string): void {
  if (on) process.stderr.write(`tnet trace: ${label} at ${(performance.timeOrigin + performance.now()).toFixed(1)}\n`);
}
