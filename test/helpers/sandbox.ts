// A throwaway "host" for root tests: its own network and mount namespaces, private /run, /etc/netns and /sys.

import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('bin/tnet.js');

/**
 * tnet as its shebang runs it (`env -S node FLAGS`): the tests and benches start `process.execPath` on the
 * file, which skips the shebang, so they pass the same flags (V8's young generation size).
 */
export const TNET = [process.execPath, ...shebangFlags(CLI), CLI];

function shebangFlags(file: string): string[] {
  const words = readFileSync(file, 'utf8').split('\n', 1)[0].split(/\s+/);
  return words.slice(words.indexOf('node') + 1);
}

// The holder process keeps the namespaces alive; everything else enters them with nsenter.
const HOLDER = `
set -e
mkdir -p /etc/netns
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/netns
mount -t sysfs sysfs /sys
ip link set lo up
echo ready
exec sleep infinity
`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Sandbox {
  private constructor(
    private readonly holder: ChildProcess,
    readonly pid: number,
    readonly dir: string,
    private readonly enter: string[],
  ) {}

  /**
   * `ownUsers`: a user namespace of its own too (root mapped to root), whose per-user-namespace limits
   * (/proc/sys/user/*) a test may lower without touching the machine's.
   */
  static async create(opts: { ownUsers?: boolean } = {}): Promise<Sandbox> {
    const users = opts.ownUsers ? ['-U', '-r'] : [];
    const holder = spawn('unshare', [...users, '-n', '-m', '--propagation', 'private', 'sh', '-c', HOLDER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((ok, ko) => {
      holder.once('error', ko);
      holder.once('exit', (c) => ko(new Error(`sandbox holder exited with ${c}`)));
      holder.stdout!.once('data', () => ok());
    });
    const enter = ['-t', String(holder.pid!), ...(opts.ownUsers ? ['-U', '--preserve-credentials'] : []), '-n', '-m', '--'];
    return new Sandbox(holder, holder.pid!, mkdtempSync(join(tmpdir(), 'tnet-test-')), enter);
  }

  /** Runs a command inside the sandbox; never throws on a non-zero exit. */
  async run(cmd: string[], input?: string): Promise<RunResult> {
    const r = await execa('nsenter', [...this.enter, ...cmd], {
      reject: false,
      input: input ?? '',
      env: { TNET_LOG_LEVEL: 'warn' },
    });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  async sh(script: string): Promise<RunResult> {
    return this.run(['sh', '-c', script]);
  }

  /** Like sh, but a failure throws with the command's output, for setup steps. */
  async must(script: string): Promise<string> {
    const r = await this.sh(script);
    if (r.code !== 0) throw new Error(`'${script}' failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  async tnet(...args: string[]): Promise<RunResult> {
    return this.run([...TNET, ...args]);
  }

  /** Starts a long-running command inside the sandbox (tnet watch); nsenter execs it, so signals reach it directly. */
  spawn(cmd: string[]): ChildProcess {
    return spawn('nsenter', [...this.enter, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  spawnTnet(...args: string[]): ChildProcess {
    return this.spawn([...TNET, ...args]);
  }

  /** spawnTnet with `NAME=value` settings in its environment (a PATH with fault injectors first, say). */
  spawnTnetWith(env: string[], ...args: string[]): ChildProcess {
    return this.spawn(['env', ...env, ...TNET, ...args]);
  }

  /** Writes a spec into the sandbox's scratch folder and returns its path. */
  writeSpec(name: string, yaml: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, yaml);
    return path;
  }

  async ping(fromNs: string | null, ip: string): Promise<boolean> {
    const prefix = fromNs ? `ip netns exec ${fromNs} ` : '';
    return (await this.sh(`${prefix}ping -c1 -W1 -q ${ip}`)).code === 0;
  }

  async json<T = any>(script: string): Promise<T> {
    return JSON.parse(await this.must(script)) as T;
  }

  async destroy(): Promise<void> {
    // Whatever still runs in the sandbox (tnet's DNS server outlives the tnet that started it) goes with it.
    killNamespaceMembers(this.pid);
    this.holder.kill('SIGKILL');
    await new Promise((r) => (this.holder.exitCode !== null ? r(null) : this.holder.once('exit', r)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const isRoot = process.getuid?.() === 0;

/** SIGKILL to every process in the network namespace of `pid`, `pid` itself aside. */
function killNamespaceMembers(pid: number): void {
  let netns: string;
  try {
    netns = readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return;
  }
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== pid && Number(n) !== process.pid)) {
    try {
      if (readlinkSync(`/proc/${p}/ns/net`) === netns) process.kill(Number(p), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

/** `tnet apply -f spec` that must succeed; returns what it printed. */
export async function applyOk(box: Sandbox, spec: string, ...extra: string[]): Promise<string> {
  const r = await box.tnet('apply', ...extra, '-f', spec);
  assert.is(r.code, 0, `apply failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}
