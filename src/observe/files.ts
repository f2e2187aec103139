// Reads the per-namespace hosts and resolv.conf files under /etc/netns.

import { isAscii } from 'node:buffer';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { ETC_NETNS } from '../ownership/paths.js';

export const NETNS_FILES = ['hosts', 'resolv.conf'];

export interface FilesObservation {
  dirs: string[];
  files: Record<string, string>;
}

/** Reads /etc/netns elsewhere than on the calling thread (files-worker.ts), or from what watch mode keeps. */
export interface FilesReader {
  read(root: string, fileNames: string[]): Promise<FilesObservation>;
  close(): Promise<void>;
}

/**
 * Synchronous on purpose: thousands of tiny files read one after another take ~15 ms, while fs/promises
 * spends ten times that on thread-pool round trips (open, fstat, read, close each). files-thread.ts runs this
 * very function in a worker thread.
 */
export function readNetnsFiles(root: string, fileNames: string[]): FilesObservation {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return { dirs: [], files: {} };
  }
  const files: Record<string, string> = {};
  for (const n of names) {
    for (const f of fileNames) {
      const path = `${root}/${n}/${f}`;
      try {
        files[path] = readFileSync(path, 'utf8');
      } catch {
        // missing: the diff writes it
      }
    }
  }
  return { dirs: names.map((n) => `${root}/${n}`), files };
}

/**
 * Through `reader` when given (watch mode: a worker thread, off the thread that desires and plans meanwhile),
 * at once; a reader that fails hands the read back here. On this thread, at the next turn of the event loop:
 * the caller desires meanwhile, which needs no file.
 */
export function observeFiles(reader?: FilesReader | null): Promise<FilesObservation> {
  const read = () => readNetnsFiles(ETC_NETNS, NETNS_FILES);
  if (reader) return reader.read(ETC_NETNS, NETNS_FILES).catch(read);
  return new Promise<void>((r) => setImmediate(r)).then(read);
}

/**
 * Prints, for each path on its input (one a line) that it can read, `<line number> <bytes>` and a newline, then
 * the file's bytes; a path it cannot open or read (missing, a folder) is left out, as readFileSync fails there.
 */
const READ_ALL = `binmode STDOUT; my $i = -1;
while (my $p = <STDIN>) { $i++; chomp $p; open(my $f, '<:raw', $p) or next; my $c = do { local $/; <$f> }; close $f;
  next unless defined $c; print $i, ' ', length($c), "\\n", $c; }`;

/**
 * A one-shot command's read of `root`, started now by a process of its own (perl, which tnet's netlink worker
 * needs anyway), before the command has read its spec: thousands of small files are opened and read on the
 * other core meanwhile, where readNetnsFiles takes this thread ~0.1 s at 3,000 containers. The first read of
 * the same folder and names gets it; where the process cannot run, it is readNetnsFiles, on this thread. Any
 * other read is handed back to the caller (observeFiles reads on its own thread then).
 */
export function filesReadAhead(root: string, fileNames: string[]): FilesReader {
  const key = JSON.stringify([root, fileNames]);
  let ahead: Promise<FilesObservation> | null = readInProcess(root, fileNames);
  return {
    read: (r, names) => {
      const mine = ahead;
      ahead = null;
      if (mine && JSON.stringify([r, names]) === key) return mine;
      return Promise.reject(new Error('read ahead only once'));
    },
    close: async () => undefined,
  };
}

/** readNetnsFiles's answer, the files read by READ_ALL; readNetnsFiles itself when that fails. */
function readInProcess(root: string, fileNames: string[]): Promise<FilesObservation> {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return Promise.resolve({ dirs: [], files: {} });
  }
  const dirs = names.map((n) => `${root}/${n}`);
  const paths = dirs.flatMap((d) => fileNames.map((f) => `${d}/${f}`));
  // A path with a newline cannot be told on a line: read here.
  if (paths.length === 0 || paths.some((p) => p.includes('\n'))) return Promise.resolve(readNetnsFiles(root, fileNames));
  return new Promise((resolve) => {
    let done = false;
    const settle = (files: Record<string, string> | null) => {
      if (done) return;
      done = true;
      resolve(files ? { dirs, files } : readNetnsFiles(root, fileNames));
    };
    const child = spawn('perl', ['-e', READ_ALL], { stdio: ['pipe', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    // No perl: 'error', and perhaps 'close' after it; the first one decides.
    child.on('error', () => settle(null));
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.on('close', (code) => settle(code === 0 ? parseReadAll(Buffer.concat(out), paths) : null));
    child.stdin.end(`${paths.join('\n')}\n`);
  });
}

/** READ_ALL's output as readNetnsFiles's `files`, or null when it is cut short. */
export function parseReadAll(out: Buffer, paths: string[]): Record<string, string> | null {
  // Offsets are bytes: latin1 gives one character per byte. A file's text is its UTF-8 reading, as
  // readFileSync's; the same characters as the latin1 one when every byte is ASCII.
  const text = out.toString('latin1');
  const ascii = isAscii(out);
  const files: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    const sp = text.indexOf(' ', at);
    const nl = text.indexOf('\n', at);
    if (sp < 0 || nl < sp) return null;
    const path = paths[Number(text.slice(at, sp))];
    const start = nl + 1;
    const end = start + Number(text.slice(sp + 1, nl));
    if (path === undefined || !(end <= text.length)) return null;
    files[path] = ascii ? text.slice(start, end) : out.toString('utf8', start, end);
    at = end;
  }
  return files;
}
