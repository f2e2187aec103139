// One request line to a unix socket and its reply line: how tnet talks to its DNS server's control socket.

import { connect, type Socket } from 'node:net';

/** A reply, or why there is none: `absent` when nothing listens (no socket file, or refused). */
export type LineReply = { ok: true; line: string } | { ok: false; absent: boolean; reason: string };

/** Sends `line` and resolves with the first line back; never rejects, gives up after `timeoutMs`. */
export function askLine(path: string, line: string, timeoutMs: number): Promise<LineReply> {
  return new Promise((resolve) => {
    const sock = connect(path);
    let buf = '';
    const done = (r: LineReply) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, absent: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${line}\n`));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) done({ ok: true, line: buf.slice(0, nl) });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, absent: e.code === 'ENOENT' || e.code === 'ECONNREFUSED', reason: e.message }));
    sock.on('close', () => done({ ok: false, absent: false, reason: 'closed without an answer' }));
  });
}

/** Whether the reply is the `ok …` a line protocol answers a request it carried out with. */
export const saidOk = (r: LineReply): boolean => r.ok && r.line.startsWith('ok');

/** Whether something answers `ping` with `ok` at `path` within `timeoutMs`. */
export async function answersPing(path: string, timeoutMs: number): Promise<boolean> {
  return saidOk(await askLine(path, 'ping', timeoutMs));
}

/**
 * A connection kept open to learn when the other end goes away (tnet watch and its DNS server): `onGone`
 * runs once, when the connection closes or cannot be made, unless `close()` closed it first.
 */
export function watchPeer(path: string, onGone: () => void): { close(): void } {
  const sock: Socket = connect(path);
  let gone = false;
  const once = () => {
    if (gone) return;
    gone = true;
    onGone();
  };
  sock.on('error', once);
  sock.on('close', once);
  sock.on('data', () => undefined);
  return {
    close: () => {
      gone = true;
      sock.destroy();
    },
  };
}
