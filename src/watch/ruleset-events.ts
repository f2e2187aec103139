// Listens to nf_tables commits through one `xtables-monitor`: each commit's families and committing pid.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FwFamily } from '../model/firewall.js';

export interface RulesetHandlers {
  /** The monitor's socket is subscribed: every commit from now on will be reported. */
  onListening(): void;
  /** A commit that changed IPv4 or IPv6 rules, chains or tables (`families`), by process `pid`. */
  onCommit(pid: number, families: FwFamily[]): void;
  onExit(code: number | null): void;
}

export interface RulesetEvents {
  close(): void;
}

// stdbuf: xtables-monitor buffers its output when it is not a terminal. The shell prints the monitor's pid and
// lives as long as it does; when our end of its stdin closes (tnet exits, even by -9) it stops the monitor.
// (A background job's stdin is /dev/null unless redirected: hence fd 3.)
// Every family: --ipv4 and --ipv6 exclude each other, and the lines say which family each event is of.
const SCRIPT = `exec 3<&0; stdbuf -oL xtables-monitor --event & m=$!; echo "pid $m"; { cat <&3 >/dev/null; kill $m 2>/dev/null; } & wait $m`;

const NEWGEN = /^NEWGEN: GENID=\d+ PID=(\d+)/;
/** NETLINK_NETFILTER, and its NFNLGRP_NFTABLES group (7) as a bit of /proc/net/netlink's Groups column. */
const NETFILTER = '12';
const NFTABLES_GROUP = 1 << 6;

/**
 * The family an event line is of: `-4 -t nat -N FOO` and `-6 …` for rules and chains, `table nat ip` and
 * `# nft: ip6 filter …` for tables and built-in chains; null for other families (inet, bridge, arp), which
 * tnet reads nothing of.
 */
export function eventFamily(line: string): FwFamily | null {
  const m = /^\s*EVENT: (?:-([46]) |nft: \w+ table: table \S+ (ip6?) |# nft: (ip6?) )/.exec(line);
  if (!m) return null;
  const f = m[1] ?? m[2] ?? m[3];
  return f === '4' || f === 'ip' ? 4 : 6;
}

/**
 * Reads the monitor's lines in order: a commit's events come before its NEWGEN line. Commits without an
 * event of IPv4 or IPv6 (nft tables of other families) are not reported: tnet reads no such rule.
 */
export function commitReader(onCommit: (pid: number, families: FwFamily[]) => void): (line: string) => void {
  let families = new Set<FwFamily>();
  return (line) => {
    const f = eventFamily(line);
    if (f !== null) families.add(f);
    const m = NEWGEN.exec(line);
    if (!m) return;
    if (families.size > 0) onCommit(Number(m[1]), [...families].sort());
    families = new Set();
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
