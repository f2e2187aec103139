// The control socket: a line protocol on a unix stream socket, `ping`, `reload` and `stop`, one reply line each.

import { createServer, type Server, type Socket } from 'node:net';

/** What the commands do; the replies are whole lines without their newline. */
export interface Commands {
  /** `ok <pid>`. */
  ping(): string;
  /** `ok <generation>` or `error <one line>`. */
  reload(): Promise<string>;
  /** Called once `ok` has been written: closes everything and ends the process. */
  stop(): void;
}

/** A command line longer than this is no client of ours: the connection is dropped. */
const MAX_LINE = 4096;

/**
 * Clients may keep their connection open and send several commands; one that keeps it open without a word
 * learns of the server's end when it closes (the kernel closes it even for a server killed by -9).
 */
export class Control {
  private readonly clients = new Set<Socket>();
  private readonly server: Server;

  private constructor(commands: Commands) {
    this.server = createServer((conn) => this.serve(conn, commands));
  }

  static async listen(path: string, commands: Commands): Promise<Control> {
    const control = new Control(commands);
    const server = control.server;
    await new Promise<void>((ok, ko) => {
      server.once('error', ko);
      server.listen(path, () => (server.off('error', ko), ok()));
    });
    server.on('error', () => undefined);
    return control;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const c of this.clients) c.destroy();
    await closed;
  }

  private serve(conn: Socket, commands: Commands): void {
    this.clients.add(conn);
    conn.once('close', () => this.clients.delete(conn));
    conn.on('error', () => undefined);
    let pending = '';
    // One command at a time per client, so its replies come back in the order it asked.
    let queue = Promise.resolve();
    conn.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      if (pending.length > MAX_LINE && !pending.includes('\n')) return void conn.destroy();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) queue = queue.then(() => run(conn, line.trim(), commands)).catch(() => undefined);
    });
  }
}

/** A command runs even when its client has gone: a `stop` sent by `echo stop | nc -U` still stops. */
async function run(conn: Socket, line: string, commands: Commands): Promise<void> {
  if (line === '') return;
  if (line === 'stop') return respond(conn, 'ok', () => commands.stop());
  const reply = line === 'ping' ? commands.ping() : line === 'reload' ? await commands.reload() : `error unknown command: ${line.slice(0, 100)}`;
  respond(conn, reply);
}

function respond(conn: Socket, reply: string, then: () => void = () => undefined): void {
  if (conn.destroyed || !conn.writable) return then();
  conn.write(`${reply}\n`, () => then());
}
