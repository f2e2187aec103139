// Listens to nf_tables commits through one `xtables-monitor`: each commit's generation and committing pid.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface RulesetHandlers {
  /** The monitor's socket is subscribed: every commit from now on will be reported. */
  onListening(): void;
  /** A commit that changed IPv4 rules, chains or tables, by process `pid`. */
  onCommit(pid: number): void;
  onExit(code: number | null): void;
}

export interface RulesetEvents {
  close(): void;
}

// stdbuf: xtables-monitor buffers its output when it is not a terminal. The shell prints the monitor's pid and
// lives as long as it does; when our end of its stdin closes (tnet exits, even by -9) it stops the monitor.
// (A background job's stdin is /dev/null unless redirected: hence fd 3.)
const SCRIPT = `exec 3<&0; stdbuf -oL xtables-monitor --event --ipv4 & m=$!; echo "pid $m"; { cat <&3 >/dev/null; kill $m 2>/dev/null; } & wait $m`;

const NEWGEN = /^NEWGEN: GENID=\d+ PID=(\d+)/;
/** NETLINK_NETFILTER, and its NFNLGRP_NFTABLES group (7) as a bit of /proc/net/netlink's Groups column. */
const NETFILTER = '12';
const NFTABLES_GROUP = 1 << 6;

/**
 * Reads the monitor's lines in order: a commit's events (IPv4 only, --ipv4) come before its NEWGEN line.
 * Commits without one (ip6tables, nft tables of other families) are not reported: tnet reads no such rule.
 */
export function commitReader(onCommit: (pid: number) => void): (line: string) => void {
  let events = 0;
  return (line) => {
    if (line.trimStart().startsWith('EVENT:')) events++;
    const m = NEWGEN.exec(line);
    if (!m) return;
    if (events > 0) onCommit(Number(m[1]));
    events = 0;
  };
}

export function watchRuleset(h: RulesetHandlers): RulesetEvents {
  let closed = false;
  const child: ChildProcess = spawn('sh', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
  let poll: NodeJS.Timeout | null = null;
  const read = commitReader(h.onCommit);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const pid = /^pid (\d+)$/.exec(line);
    if (pid) poll = awaitSubscribed(Number(pid[1]), () => !closed && h.onListening());
    else read(line);
  });
  child.once('error', () => {});
  child.once('exit', (code) => {
    if (poll) clearInterval(poll);
    child.stdin!.end(); // the shell's stdin reader goes with it
    if (!closed) h.onExit(code);
  });
  child.stdin!.on('error', () => {});
  return {
    close() {
      closed = true;
      if (poll) clearInterval(poll);
      child.stdin!.end();
    },
  };
}

/**
 * Commits before the subscription would go unreported, and xtables-monitor says nothing when it is ready:
 * the kernel's list of netlink sockets shows when one of its sockets joined the group. Checked every 10 ms
 * for up to 5 s; a monitor never seen subscribed vouches for nothing.
 */
function awaitSubscribed(pid: number, then: () => void): NodeJS.Timeout {
  let tries = 500;
  const t = setInterval(() => {
    if (--tries === 0) clearInterval(t);
    if (!subscribed(pid)) return;
    clearInterval(t);
    then();
  }, 10);
  t.unref();
  return t;
}

export function subscribed(pid: number): boolean {
  try {
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => /^socket:\[(\d+)\]$/.exec(readlinkOr(`/proc/${pid}/fd/${fd}`))?.[1] ?? []),
    );
    return readFileSync('/proc/net/netlink', 'utf8').split('\n').some((l) => {
      const f = l.trim().split(/\s+/);
      return f[1] === NETFILTER && (parseInt(f[3], 16) & NFTABLES_GROUP) !== 0 && inodes.has(f[9]);
    });
  } catch {
    return false;
  }
}

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
