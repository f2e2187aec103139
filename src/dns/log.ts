// The server's log: one line per event on stderr (the spawner sends it to server.log), repeats held back.

export type Write = (text: string) => void;

/** Lines stamped with the time, so the log says when a bind failed or an upstream went quiet. */
export class Log {
  constructor(private readonly write: Write = (t) => process.stderr.write(t)) {}

  line(message: string): void {
    this.write(`${new Date().toISOString()} ${message}\n`);
  }
}

/**
 * At most one line per key (an upstream) every `everyMs`: a dead upstream fails every query sent to it, and
 * a line per query would fill the disk. The next line says how many were held back.
 */
export class Throttled {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly log: Log,
    private readonly everyMs = 10_000,
    // Date.now, not performance.now: the global performance loads perf_hooks, memory the server would keep.
    private readonly now: () => number = Date.now,
  ) {}

  line(key: string, message: string): void {
    const t = this.now();
    const seen = this.last.get(key);
    if (seen !== undefined && t - seen.at < this.everyMs) {
      seen.held++;
      return;
    }
    const more = seen !== undefined && seen.held > 0 ? ` (and ${seen.held} more since the last line)` : '';
    this.last.set(key, { at: t, held: 0 });
    this.log.line(`${message}${more}`);
  }
}
