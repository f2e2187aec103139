// Carries out the DNS actions: records written where the server reads them; the server started, reloaded, stopped.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Action } from '../model/action.js';
import { tnetError, type TnetError } from '../model/errors.js';
import { DNS_CONTROL, DNS_DIR, DNS_LOG, DNS_PID, DNS_SPECS_DIR } from '../ownership/paths.js';
import { answersPing, askLine, saidOk, type LineReply } from '../util/line-socket.js';

type DnsAction = Extract<Action, { op: 'dns-records' | 'dns-serve' | 'dns-stop' }>;

/** A reload binds sockets and reads every spec's records: seconds at most, even with ten thousand names. */
const RELOAD_MS = 10_000;
/** A server just spawned answers its control socket once Node has started: well under this. */
const START_MS = 5_000;
/** A live server answers `ping` between queries, at once. */
const PING_MS = 2_000;

/**
 * V8 settings that keep the server near Node's own floor (~45 MB) with ten thousand containers' names: a small
 * young generation (query buffers are short-lived), a compaction after each reload (`--expose-gc`), and no
 * optimizing compiler, which holds ~4 MB of code for 15-30 % of CPU per query the server can spare.
 */
export const DNS_SERVER_FLAGS = ['--max-semi-space-size=1', '--expose-gc', '--optimize-for-size', '--no-opt'];

export async function applyDns(actions: readonly DnsAction[]): Promise<TnetError[]> {
  for (const a of actions) {
    const errors = await applyOne(a);
    if (errors.length) return errors;
  }
  return [];
}

function applyOne(a: DnsAction): Promise<TnetError[]> {
  return guarded(a.op, async () => {
    if (a.op === 'dns-records') writeRecords(a.path, a.content);
    else if (a.op === 'dns-serve') return serve();
    else return stop();
    return [];
  });
}

/** What `op` threw (a folder it could not make, a spawn refused), as tnet's error. */
async function guarded(op: DnsAction['op'], work: () => Promise<TnetError[]>): Promise<TnetError[]> {
  try {
    return await work();
  } catch (e) {
    return [tnetError('io', `${op} failed: ${(e as Error).message}`)];
  }
}

/** Renamed into place: the server, reloading meanwhile, reads the old records or the new, never half. */
function writeRecords(path: string, content: string | null): void {
  if (content === null) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(DNS_SPECS_DIR, { recursive: true });
  const staging = `${path}.tmp`;
  writeFileSync(staging, content);
  renameSync(staging, path);
}

/**
 * Starts the server if it is down, without records yet: Node's start-up then runs beside the host batch,
 * and the reload that follows the records (applyDns) finds it up.
 */
export const startDns = (): Promise<TnetError[]> => guarded('dns-serve', up);

/** The server answering: as it was, or started now. */
async function up(): Promise<TnetError[]> {
  return (await answersPing(DNS_CONTROL, PING_MS)) ? [] : start();
}

async function serve(): Promise<TnetError[]> {
  const started = await up();
  if (started.length) return started;
  const r = await askLine(DNS_CONTROL, 'reload', RELOAD_MS);
  if (saidOk(r)) return [];
  return [tnetError('dns', `tnet's DNS server did not take its records: ${reason(r)}`, {
    hint: `its log is ${DNS_LOG}; an address it cannot bind is usually another DNS server listening on port 53 there`,
  })];
}

/** Detached, its output in its log: it outlives tnet, and never holds a pipe of the process that started it. */
async function start(): Promise<TnetError[]> {
  mkdirSync(DNS_DIR, { recursive: true });
  const log = openSync(DNS_LOG, 'a');
  try {
    const child = spawn(process.execPath, [...DNS_SERVER_FLAGS, serverScript(), '--dir', DNS_DIR], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    child.on('error', () => undefined);
  } finally {
    closeSync(log);
  }
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    if (await answersPing(DNS_CONTROL, PING_MS)) return [];
    await new Promise((r) => setTimeout(r, 20));
  }
  return [tnetError('dns', `tnet's DNS server did not start within ${START_MS / 1000} s`, { hint: `its log is ${DNS_LOG}` })];
}

/** Done once the process is gone: a server started right after must find port 53 free. */
async function stop(): Promise<TnetError[]> {
  const pid = serverPid();
  const r = await askLine(DNS_CONTROL, 'stop', RELOAD_MS);
  if (!r.ok && !r.absent) return [tnetError('dns', `tnet's DNS server did not stop: ${reason(r)}`, { hint: `its log is ${DNS_LOG}` })];
  const deadline = Date.now() + START_MS;
  while (pid !== null && alive(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  return [];
}

function serverPid(): number | null {
  try {
    const pid = Number(readFileSync(DNS_PID, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function reason(r: LineReply): string {
  return r.ok ? r.line.replace(/^error\s*/, '') : r.reason;
}

/**
 * The server's CommonJS bundle beside the CLI's (dist/bin: 1.4 MB less resident than an ES module), or the
 * compiled module when run unbundled.
 */
function serverScript(): string {
  const bundled = fileURLToPath(new URL('./dns-server.cjs', import.meta.url));
  return existsSync(bundled) ? bundled : fileURLToPath(new URL('../dns/server-main.js', import.meta.url));
}
