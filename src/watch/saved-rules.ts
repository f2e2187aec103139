// ip(6)tables-nft-save's output kept between reads, while xtables-monitor vouches that nothing was committed since.

import { Kept } from '../util/kept.js';

/**
 * nf_tables reports every commit with the committing process's pid (NEWGEN). Any commit drops the kept text:
 * tnet's own restores when they run, other processes' when their event arrives (`committed` then says the
 * host drifted). See Kept for what "kept" promises.
 */
export class SavedRules extends Kept<string> {
  /** Pids of the restores tnet ran lately: their commits are its own, not drift. */
  private ours: number[] = [];

  /** tnet's own restore `pid` is about to commit, or just did. */
  committing(pid: number | undefined): void {
    this.drop();
    if (pid !== undefined && !this.ours.includes(pid)) this.ours = [...this.ours.slice(-15), pid];
  }

  /** A commit was reported; true when another process made it. */
  committed(pid: number): boolean {
    if (this.ours.includes(pid)) return false;
    this.drop();
    return true;
  }
}
