// Coalesces a burst of triggers into one call: after `wait` ms of quiet, or `maxWait` ms after the burst began.

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => performance.now(),
};

/**
 * Trailing-edge debounce with a ceiling: an editor's save or a `git pull` of many files fires once, after it
 * settles; a storm that never settles (a flapping link) still fires every `maxWait` ms instead of never.
 */
export class Debouncer {
  private timer: unknown = null;
  private since: number | null = null;

  constructor(
    private readonly fire: () => void,
    private readonly wait: number,
    private readonly maxWait = Infinity,
    private readonly clock: Clock = realClock,
  ) {}

  trigger(): void {
    const now = this.clock.now();
    this.since ??= now;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    const delay = Math.max(0, Math.min(this.wait, this.since + this.maxWait - now));
    this.timer = this.clock.setTimeout(() => this.flush(), delay);
  }

  get pending(): boolean {
    return this.timer !== null;
  }

  /** Drops a pending call: on shutdown nothing new should start. */
  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.since = null;
  }

  private flush(): void {
    this.timer = null;
    this.since = null;
    this.fire();
  }
}
