// Learns at once when tnet's DNS server goes away (killed, crashed), so the watch starts it again.

import { DNS_CONTROL } from '../ownership/paths.js';
import { watchPeer } from '../util/line-socket.js';

/**
 * A connection to the server's control socket held open while a spec needs the server: its closing is the
 * event. Reopened after every reconcile that leaves the server running; closed when none needs it.
 */
export class DnsServerEvents {
  private peer: { close(): void } | null = null;

  constructor(private readonly gone: () => void) {}

  /** After a reconcile: `running`, whether the server should now be answering. */
  follow(running: boolean): void {
    if (!running) return this.close();
    if (this.peer) return;
    this.peer = watchPeer(DNS_CONTROL, () => {
      this.peer = null;
      this.gone();
    });
  }

  close(): void {
    this.peer?.close();
    this.peer = null;
  }
}
