// A `tnet watch` started by a test inside a Sandbox: its JSON log lines, waits on them, and its end.

import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Sandbox } from './sandbox.js';

export interface LogLine {
  level: string;
  message: string;
  [k: string]: unknown;
}

export class Watch {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as LogLine);
      } catch {
        this.lines.push({ level: 'raw', message: l });
      }
      this.notify();
    });
    proc.stderr!.on('data', (d) => (this.stderr += String(d)));
    this.exited = new Promise((r) => proc.once('exit', (code, signal) => (this.notify(), r({ code, signal }))));
  }

  /** `tnet watch -f spec --log-format json` plus `extra`; nsenter execs node, so pid is tnet's own. */
  static start(box: Sandbox, spec: string, ...extra: string[]): Watch {
    return Watch.startWith(box, [], spec, ...extra);
  }

  /** start, with `NAME=value` settings in the watch's environment. */
  static startWith(box: Sandbox, env: string[], spec: string, ...extra: string[]): Watch {
    return new Watch(box.spawnTnetWith(env, 'watch', '-f', spec, '--log-format', 'json', ...extra));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first line from index `from` on that matches, waiting up to `ms` for it. */
  async waitFor(match: (l: LogLine) => boolean, ms = 5000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.lines.slice(from).find(match);
      if (hit) return hit;
      if (!this.alive) throw new Error(`tnet watch exited while waiting; log:\n${this.dump()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a log line; log:\n${this.dump()}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  /** Resolves once the first reconcile is done and the watchers are up. */
  ready(ms = 10000): Promise<LogLine> {
    return this.waitFor((l) => l.message.startsWith('watching '), ms);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 10000): Promise<number | null> {
    if (this.alive) this.proc.kill(signal);
    const t = new Promise<never>((_, ko) => setTimeout(() => ko(new Error(`tnet watch did not exit within ${ms} ms after ${signal}; log:\n${this.dump()}`)), ms).unref());
    const r = await Promise.race([this.exited, t]);
    return r.code;
  }

  /** For after.each: whatever happened, it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.proc.kill('SIGKILL');
    await this.exited;
  }

  dump(): string {
    return [...this.lines.map((l) => JSON.stringify(l)), this.stderr].join('\n');
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Polls `check` every `every` ms until it holds; returns the ms it took, or throws after `ms`. */
export async function until(check: () => Promise<boolean> | boolean, ms: number, what: string, every = 10): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
