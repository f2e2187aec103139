// iptables-nft-save's output kept between reads, while xtables-monitor vouches that nothing was committed since.

/**
 * nf_tables reports every commit with the committing process's pid (NEWGEN). A read is kept only if it began
 * while the monitor was known to be listening; any commit drops it: tnet's own restores when they run, other
 * processes' when their event arrives (`foreign` then says the host drifted). An event arrives a moment after
 * its commit: a plan may use rules that changed in that moment, and the event then triggers the reconcile
 * that repairs it, as for any drift.
 */
export class SavedRules {
  private text: Promise<string> | null = null;
  private listeningNow = false;
  /** Pids of the restores tnet ran lately: their commits are its own, not drift. */
  private ours: number[] = [];

  /** The kept text, or a read started now by `save` (kept if the monitor listens). */
  read(save: () => Promise<string>): Promise<string> {
    if (this.text) return this.text;
    const p = save();
    if (this.listeningNow) {
      this.text = p;
      p.catch(() => this.text === p && (this.text = null));
    }
    return p;
  }

  get listening(): boolean {
    return this.listeningNow;
  }

  /** The monitor is subscribed: commits from now on will be reported. */
  listen(): void {
    this.listeningNow = true;
  }

  /** The monitor is gone: nothing read can be vouched for any more. */
  deaf(): void {
    this.listeningNow = false;
    this.text = null;
  }

  /** tnet's own restore `pid` is about to commit, or just did. */
  committing(pid: number | undefined): void {
    this.text = null;
    if (pid !== undefined && !this.ours.includes(pid)) this.ours = [...this.ours.slice(-15), pid];
  }

  /** A commit was reported; true when another process made it. */
  committed(pid: number): boolean {
    if (this.ours.includes(pid)) return false;
    this.text = null;
    return true;
  }
}
