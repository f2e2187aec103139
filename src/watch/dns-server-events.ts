// Learns at once when tnet's DNS server goes away (killed, crashed), so the watch starts it again.

import { DNS_CONTROL } from '../ownership/paths.js';
import { watchPeer } from '../util/line-socket.js';

/**
 * A connection to the server's control socket held open while a spec needs the server: its closing is the
 * event. Reopened after every reconcile that leaves the server running; closed when none needs it.
 */
export class DnsServerEvents {
  private peer: { close(): void } | null = null;
  private closed = false;

  constructor(
    private readonly gone: () => void,
    private readonly control = DNS_CONTROL,
  ) {}

  /** After a reconcile: `running`, whether the server should now be answering. */
  follow(running: boolean): void {
    if (!running) return this.drop();
    // A reconcile finishing after the watch began to stop must not open a connection that keeps it alive.
    if (this.peer || this.closed) return;
    this.peer = watchPeer(this.control, () => {
      this.peer = null;
      this.gone();
    });
  }

  /** For good: the watch is stopping. */
  close(): void {
    this.closed = true;
    this.drop();
  }

  private drop(): void {
    this.peer?.close();
    this.peer = null;
  }
}
