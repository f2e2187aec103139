// One server per host: asks the control socket whether one answers, and holds a lock that dies with its process.

import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { askLine } from '../util/line-socket.js';

/** `taken`: another server holds it. `held` is null too when the lock could not be made at all (then ping alone guards). */
export interface Lock {
  taken: boolean;
  held: Server | null;
}

/** The pid of the server answering `ping` at `path`, or null when none answers in time. */
export async function pingServer(path: string, timeoutMs = 1000): Promise<number | null> {
  const r = await askLine(path, 'ping', timeoutMs);
  const m = r.ok ? /^ok (\d+)$/.exec(r.line) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Two servers started at once both find no one answering: the first to bind an abstract unix socket named after
 * the folder wins, and the other exits. The kernel frees the name when its holder dies, even by -9, so no
 * stale lock is ever left (an abstract name belongs to the network namespace the server runs in).
 */
export async function lockInstance(dir: string): Promise<Lock> {
  const name = `\0${lockName(resolve(dir))}`;
  const lock = createServer((c) => c.destroy());
  return new Promise((done) => {
    lock.once('error', (e) => done({ taken: (e as NodeJS.ErrnoException).code === 'EADDRINUSE', held: null }));
    lock.listen(name, () => done({ taken: false, held: lock }));
  });
}

/**
 * The folder itself names the lock when it fits the 107 bytes of a socket name; a longer one goes by a hash
 * (FNV-1a, not node:crypto: loading OpenSSL would cost the server a megabyte for one name).
 */
export function lockName(dir: string): string {
  const plain = `tnet-dns:${dir}`;
  if (Buffer.byteLength(plain) <= 100) return plain;
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(dir)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return `tnet-dns:${h.toString(16)}:${dir.slice(-60)}`;
}
