// One server per host: asks the control socket whether one answers, and holds a lock that dies with its process.

import { createHash } from 'node:crypto';
import { createConnection, createServer, type Server } from 'node:net';
import { resolve } from 'node:path';

/** `taken`: another server holds it. `held` is null too when the lock could not be made at all (then ping alone guards). */
export interface Lock {
  taken: boolean;
  held: Server | null;
}

/** The pid of the server answering `ping` at `path`, or null when none answers in time. */
export function pingServer(path: string, timeoutMs = 1000): Promise<number | null> {
  return new Promise((done) => {
    const conn = createConnection(path);
    let got = '';
    let over = false;
    const finish = (pid: number | null): void => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      conn.destroy();
      done(pid);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    conn.on('connect', () => conn.write('ping\n'));
    conn.on('data', (d) => {
      got += d.toString('utf8');
      const m = /^ok (\d+)\n/.exec(got);
      if (m || got.includes('\n')) finish(m ? Number(m[1]) : null);
    });
    conn.on('error', () => finish(null));
    conn.on('close', () => finish(null));
  });
}

/**
 * Two servers started at once both find no one answering: the first to bind an abstract unix socket named after
 * the folder wins, and the other exits. The kernel frees the name when its holder dies, even by -9, so no
 * stale lock is ever left (an abstract name belongs to the network namespace the server runs in).
 */
export async function lockInstance(dir: string): Promise<Lock> {
  const name = `\0tnet-dns-${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 32)}`;
  const lock = createServer((c) => c.destroy());
  return new Promise((done) => {
    lock.once('error', (e) => done({ taken: (e as NodeJS.ErrnoException).code === 'EADDRINUSE', held: null }));
    lock.listen(name, () => done({ taken: false, held: lock }));
  });
}
