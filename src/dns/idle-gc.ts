// One garbage collection once queries stop for a second: the server's memory back near its floor at once.

/**
 * A burst of queries leaves megabytes of dead buffers that V8's memory reducer collects only some ten seconds
 * later; one full collection of the few-MB heap, once a second has passed without a query, takes a few ms and
 * never runs under load. Without `--expose-gc` (gc absent) it does nothing.
 */
export class IdleCollector {
  private last = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly idleMs = 1000,
    private readonly gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc,
  ) {}

  /** A query arrived: cheap, called for every one. */
  touch(): void {
    if (this.gc === undefined) return;
    this.last = Date.now();
    if (this.timer === null) this.arm(this.idleMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private check(): void {
    const quiet = Date.now() - this.last;
    if (quiet < this.idleMs) return this.arm(this.idleMs - quiet);
    this.timer = null;
    this.gc!();
  }
}
