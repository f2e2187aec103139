// Runs the few external programs tnet needs (ip, nsenter, mount, iptables-*, the netlink worker).

import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

// TNET_EXEC_LOG=FILE appends every command tnet starts to FILE: the benchmark proves a no-op mutates nothing.
const execLog = process.env.TNET_EXEC_LOG;

/**
 * Never rejects: a missing program or a non-zero exit is a result (code -1 when it could not start). Plain
 * node:child_process, not execa: even bundled, execa adds ~30 ms of start-up to every tnet command and ~55 ms
 * to a `tnet plan` that starts four processes (README, Performance: Dependencies).
 */
export function run(cmd: string, args: string[], input?: string, opts: RunOptions = {}): Promise<ExecResult> {
  return runStreaming(cmd, args, input ?? '', undefined, opts);
}

export interface RunOptions {
  /** The process is the one the others wait for: it runs ahead of them on the CPU (see runAhead). */
  ahead?: boolean;
}

/**
 * `run`, with `onStdout`: the output is handed to it a chunk at a time as it comes instead of kept (`stdout`
 * is ''), so a large output is dealt with while the program still runs.
 */
export function runStreaming(cmd: string, args: string[], input: string, onStdout?: (chunk: Buffer) => void, opts: RunOptions = {}): Promise<ExecResult> {
  log(cmd, args, input);
  const started = spawnWaiting(cmd, args, onStdout);
  // Before its input: none of its work is done yet at its old priority.
  if (opts.ahead) runAhead(started.child.pid);
  started.child.stdin.end(input);
  return started.result;
}

/** How many nice levels a process that runs ahead goes below this one's (the kernel's floor is -20). */
const AHEAD = 10;

/**
 * Puts a child ahead of the processes beside it: AHEAD nice levels below this process, so that whatever nice
 * level tnet was started at stays the reference. An apply's critical path is one process at a time (the host
 * batch, then the insides' workers) with others beside it that can wait (the rules' restore, the DNS server,
 * the check's reads); on two cores at equal priority they took turns, and the host batch of 1,000 containers
 * took ~30 ms longer, the insides ~90 ms. Without the privilege to raise a priority (CAP_SYS_NICE, which a
 * root in a container may lack), or once the child is gone, nothing changes.
 */
export function runAhead(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, Math.max(-20, getPriority() - AHEAD));
  } catch {
    // EACCES without CAP_SYS_NICE, ESRCH when it has exited: it runs as it is.
  }
}

/** This process's limit of open files (RLIMIT_NOFILE), which its children inherit; null where /proc does not say. */
export function openFilesLimit(): { soft: number; hard: number } | null {
  try {
    const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? { soft: Number(m[1]), hard: Number(m[2]) } : null;
  } catch {
    return null;
  }
}

/**
 * `run`, with the program's soft limit of open files raised to the hard one: Node cannot set its own
 * rlimits, but a shell's `ulimit` sets them for the program it then becomes.
 */
export function runRaised(cmd: string, args: string[], input?: string, opts: RunOptions = {}): Promise<ExecResult> {
  // The shell becomes the program (exec): a priority given to the shell is the program's.
  return run('sh', ['-c', 'ulimit -n "$(ulimit -H -n)" 2>/dev/null; exec "$@"', cmd, cmd, ...args], input, opts);
}

function log(cmd: string, args: string[], input: string): void {
  if (execLog) appendFileSync(execLog, `${JSON.stringify([cmd, ...args, input.split('\n', 1)[0]])}\n`);
}

export interface Started {
  result: Promise<ExecResult>;
  /** Undefined when the program could not start. */
  pid: number | undefined;
  /** Gives the process its whole input; it runs on from there. */
  feed(input: string): void;
}

/**
 * Starts a process that waits for its input: its start-up (a fork of this large process, then the program's
 * own) is paid while there is time, and feed() finds it ready.
 */
export function start(cmd: string, args: string[]): Started {
  const { child, result } = spawnWaiting(cmd, args);
  return {
    result,
    pid: child.pid,
    feed: (input) => {
      // Logged when fed: a process started ahead and closed unused did nothing.
      if (input !== '') log(cmd, args, input);
      child.stdin.end(input);
    },
  };
}

function spawnWaiting(cmd: string, args: string[], onStdout?: (chunk: Buffer) => void) {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const result = new Promise<ExecResult>((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', onStdout ?? ((d: Buffer) => out.push(d)));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => resolve({ code: -1, stdout: '', stderr: e.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  // A child that exits without reading its input (EPIPE) reports through its exit code, not here.
  child.stdin.on('error', () => undefined);
  return { child, result };
}

/** Runs tasks with at most `limit` in flight, keeping results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function chunk<T>(items: T[], parts: number): T[][] {
  const n = Math.max(1, Math.min(parts, items.length));
  return Array.from({ length: n }, (_, i) => items.filter((_, j) => j % n === i));
}
