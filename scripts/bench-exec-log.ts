// What a command run by tnet did, from its TNET_EXEC_LOG: which commands wrote, which entered a namespace.

import { existsSync, readFileSync } from 'node:fs';

/** The commands tnet logged with TNET_EXEC_LOG: [program, ...args, first line of its input]. */
export function execLog(logPath: string): string[][] {
  if (!existsSync(logPath)) return [];
  return readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
}

/** A command tnet started that writes: anything but `ip -j …` reads, *-save, version probes and reading shells. */
export function mutations(log: string[][]): string[] {
  return log.filter(([cmd, ...rest]) => {
    const text = rest.join(' ');
    if (cmd === 'ip') return !rest.includes('-j');
    if (cmd.endsWith('-save') || text.includes('--version')) return false;
    if (cmd === 'sh') return !/ip -j/.test(text);
    // The netlink worker's reading modes: namespaces (--read) and nsids (--nsids).
    if (cmd === 'perl') return !rest.includes('--read') && !rest.includes('--nsids');
    return true;
  }).map((c) => c.join(' '));
}

/**
 * A command that entered a namespace: nsenter, `ip -n NS`/`ip netns exec`, a shell running either, or the
 * netlink worker given a namespace (its input's first line starts with the namespace's path; `-` is the host).
 */
export function namespaceEntries(log: string[][]): string[] {
  return log.filter(([cmd, ...rest]) => {
    const text = rest.join(' ');
    if (cmd === 'nsenter') return true;
    if (cmd === 'ip') return rest.includes('-n') || rest.includes('-netns') || /\bnetns exec\b/.test(text);
    if (cmd === 'sh') return /\bnsenter\b|\bip (-\S+ )*-n(etns)? |\bnetns exec\b/.test(text);
    // --nsids only asks the host for each namespace's id; --read enters them.
    if (cmd === 'perl') return !rest.includes('--nsids') && !rest[rest.length - 1].startsWith('-\t');
    return false;
  }).map((c) => c.join(' ').slice(0, 160));
}

