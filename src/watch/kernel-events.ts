// Listens to the kernel's link, address and route events in every namespace through one `ip monitor` process.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface KernelEvents {
  close(): void;
}

// `all-nsid` reports the events of every namespace that has an id here, and a container's namespace gets one as
// soon as a veth links it to ours. The shell exits when our end of its stdin closes, taking `ip` with it: so a
// tnet killed by -9 leaves no monitor behind, which Node alone cannot arrange (it has no parent-death signal).
const SCRIPT = `ip -o monitor link address route all-nsid & cat >/dev/null; kill $! 2>/dev/null`;

/**
 * IPv6 link-local and multicast addresses and routes come and go with every link by themselves: not tnet's.
 * Global IPv6 addresses and IPv6 default routes are (dual-stack networks).
 */
export function relevant(line: string): boolean {
  if (!line.trim()) return false;
  if (/\b(fe80|ff00|ff02)::/.test(line)) return false;
  return !/\binet6\b/.test(line) || /\bscope global\b/.test(line);
}

/**
 * A host link that changed and is still there: its index and name, for watch mode to read it again alone.
 * Null for every other event (a deletion, an address, a route, anything inside a namespace).
 */
export function hostLinkChange(line: string): { index: number; name: string } | null {
  const m = /^\[nsid current\](\d+): ([^\s:@]+)(?:@\S+)?: </.exec(line);
  return m ? { index: Number(m[1]), name: m[2] } : null;
}

/**
 * `ip monitor` reads the kernel's events from a netlink socket; when they come faster than it reads (a burst of
 * thousands, its buffer capped by net.core.rmem_max) the kernel drops some, and `ip` says so on stderr and
 * goes on. What was dropped is unknown: `onLost` is told, and whoever listens must read everything again.
 */
export const LOST = /netlink receive error .*\(105\)|No buffer space available/;

/** `script`: the monitor's command line (tests give their own). */
export function watchKernel(onEvent: (line: string) => void, onExit: (code: number | null) => void, onLost: () => void = () => {}, script = SCRIPT): KernelEvents {
  let closed = false;
  const child: ChildProcess = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (relevant(line)) onEvent(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (LOST.test(line)) onLost();
  });
  child.once('error', () => {});
  child.once('exit', (code) => {
    if (!closed) onExit(code);
  });
  child.stdin!.on('error', () => {});
  return {
    close() {
      closed = true;
      child.stdin!.end();
    },
  };
}
