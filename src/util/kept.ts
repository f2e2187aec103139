// A value read once and served again while a watcher vouches that its source has not changed since.

/**
 * Only a read that began while the watcher listened is kept: a change before that may never be reported.
 * Whoever hears of a change calls drop(); a watcher that stops calls deaf(). A change is reported a moment
 * after it happens, so a kept value can be that moment stale: the report then triggers the reconcile that
 * repairs what the stale value hid, as for any drift.
 */
export class Kept<T> {
  private value: Promise<T> | null = null;
  private listeningNow = false;

  get listening(): boolean {
    return this.listeningNow;
  }

  /** The kept value, or a read started now by `fresh` (kept if the watcher listens). */
  read(fresh: () => Promise<T>): Promise<T> {
    if (this.value) return this.value;
    const p = fresh();
    if (this.listeningNow) {
      this.value = p;
      p.catch(() => this.value === p && (this.value = null));
    }
    return p;
  }

  /** The watcher is in place: changes from now on will be reported. */
  listen(): void {
    this.listeningNow = true;
  }

  /** The watcher is gone: nothing read can be vouched for any more. */
  deaf(): void {
    this.listeningNow = false;
    this.value = null;
  }

  drop(): void {
    this.value = null;
  }
}
