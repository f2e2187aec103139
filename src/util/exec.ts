// Runs the few external programs tnet needs (ip, nsenter, mount, iptables-*) and counts them.

import { execa } from 'execa';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How many processes this run has started, by program: the benchmark and tests read it. */
export const processCount: Record<string, number> = {};

export async function run(cmd: string, args: string[], input?: string): Promise<ExecResult> {
  processCount[cmd] = (processCount[cmd] ?? 0) + 1;
  const r = await execa(cmd, args, { reject: false, input: input ?? '', stripFinalNewline: false });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
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
