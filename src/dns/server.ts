// The DNS server's process: `--dir DIR --port N`; one per host, serving until `stop`, SIGTERM or SIGINT.

import { chmodSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { DNS_DIR } from '../ownership/paths.js';
import { Control } from './control.js';
import { lockInstance, pingServer } from './instance.js';
import { Listeners } from './listen.js';
import { Log, Throttled } from './log.js';
import { Resolver } from './resolver.js';
import { DnsService, serverPaths, type ServerPaths } from './service.js';
import { buildView } from './view.js';

export interface ServerArgs {
  dir: string;
  port: number;
}

/** How long an upstream has to answer, and a TCP client to say something: Docker's embedded DNS waits as long. */
const UPSTREAM_TIMEOUT_MS = 1000;
const TCP_IDLE_MS = 10_000;
/**
 * Queries waiting on upstreams at once (each holds a socket for up to its timeouts), and TCP clients: bounds
 * that keep a flood from exhausting the process's files. Docker's embedded DNS allows 1024 in flight too.
 */
const MAX_FORWARDING = 1024;
const MAX_TCP_CLIENTS = 256;

/** The exit code: 0 when stopped, or when another server already runs; 1 when it could not start; 2 for usage. */
export async function main(argv: readonly string[], log = new Log()): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    log.line(`usage: dns-server [--dir DIR] [--port N]: ${args}`);
    return 2;
  }
  const paths = serverPaths(args.dir);
  const other = await pingServer(paths.control);
  if (other !== null) return alreadyRunning(log, other);
  mkdirSync(paths.dir, { recursive: true, mode: 0o755 });
  const lock = await lockInstance(paths.dir);
  if (lock.taken) return alreadyRunning(log, null);
  try {
    return await serve(paths, args.port, log);
  } finally {
    lock.held?.close();
  }
}

export function parseArgs(argv: readonly string[]): ServerArgs | string {
  const args: ServerArgs = { dir: DNS_DIR, port: 53 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    if (flag !== '--dir' && flag !== '--port') return `unknown argument: ${flag}`;
    const value = inline ?? argv[++i];
    if (value === undefined) return `${flag} needs a value`;
    if (flag === '--dir') args.dir = value;
    else if (flag === '--port' && /^\d+$/.test(value) && Number(value) < 65536) args.port = Number(value);
    else return `not a port: ${value}`;
  }
  return args;
}

function alreadyRunning(log: Log, pid: number | null): number {
  log.line(`a server already runs${pid === null ? '' : ` (pid ${pid})`}: this one exits`);
  return 0;
}

/** Listens on the control socket first, so the spawner can reload as soon as the pid file is there. */
async function serve(paths: ServerPaths, port: number, log: Log): Promise<number> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  const { listeners, service } = assemble(paths, port, log);
  const signals = onSignals(stop, () => void service.reload());
  removeFile(paths.control);
  let control: Control;
  try {
    control = await Control.listen(paths.control, { ping: () => `ok ${process.pid}`, reload: () => service.reload(), stop });
    // Root's alone to command, whatever umask the spawner had: `stop` ends every container's DNS.
    chmodSync(paths.control, 0o600);
  } catch (e) {
    signals.off();
    log.line(`cannot listen on ${paths.control}: ${(e as Error).message}`);
    return 1;
  }
  writeFileSync(paths.pid, `${process.pid}\n`);
  log.line(`start: pid ${process.pid}, folder ${paths.dir}, port ${port}`);
  await service.reload();
  await stopped;
  signals.off();
  await Promise.all([control.close(), listeners.close()]);
  cleanUp(paths);
  log.line('stop');
  return 0;
}

/** The server's parts: an empty view until the first reload, sockets opened by reloads. */
function assemble(paths: ServerPaths, port: number, log: Log): { listeners: Listeners; service: DnsService } {
  const throttled = new Throttled(log);
  const resolver = new Resolver(buildView([]), {
    timeoutMs: UPSTREAM_TIMEOUT_MS,
    maxForwarding: MAX_FORWARDING,
    upstreamFailed: (upstream, reason) => throttled.line(upstream, `upstream ${upstream}: ${reason}`),
    crashed: (e) => throttled.line('crash', `query failed: ${(e as Error)?.stack ?? e}`),
    overloaded: () => throttled.line('overload', `more than ${MAX_FORWARDING} queries forwarded at once: the next ones get SERVFAIL`),
  });
  const listeners = new Listeners(resolver.handle, { port, idleMs: TCP_IDLE_MS, maxClients: MAX_TCP_CLIENTS, log: (l) => log.line(l) });
  return { listeners, service: new DnsService(paths, resolver, listeners, log) };
}

/** SIGTERM and SIGINT stop, SIGHUP reloads (as aardvark-dns does); `off` gives them back their defaults. */
function onSignals(stop: () => void, reload: () => void): { off: () => void } {
  process.once('SIGTERM', stop).once('SIGINT', stop).on('SIGHUP', reload);
  return { off: () => void process.off('SIGTERM', stop).off('SIGINT', stop).off('SIGHUP', reload) };
}

/** The pid file goes only if it still names this process: a newer server may have written its own. */
function cleanUp(paths: ServerPaths): void {
  removeFile(paths.control);
  try {
    if (readFileSync(paths.pid, 'utf8').trim() === String(process.pid)) removeFile(paths.pid);
  } catch {
    // Already gone.
  }
}

/** unlink, a missing file being no error (rmSync would load the recursive remover for it). */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
