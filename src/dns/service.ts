// The running server's state: the view in use, its sockets, and a reload that swaps both or neither.

import { basename, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { DNS_CONTROL, DNS_LOG, DNS_PID, DNS_SPECS_DIR } from '../ownership/paths.js';
import type { Listeners } from './listen.js';
import type { Log } from './log.js';
import { readRecords } from './records.js';
import type { Resolver } from './resolver.js';
import { buildView, listenAddresses } from './view.js';

const EMPTY_VIEW = buildView([]);

/** The server's files under its folder (DNS_DIR on a host, a scratch folder in tests), named as in paths.ts. */
export interface ServerPaths {
  dir: string;
  specs: string;
  control: string;
  pid: string;
  log: string;
}

export function serverPaths(dir: string): ServerPaths {
  const at = (path: string): string => join(dir, basename(path));
  return { dir, specs: at(DNS_SPECS_DIR), control: at(DNS_CONTROL), pid: at(DNS_PID), log: at(DNS_LOG) };
}

/** What a reload changes; a failed one changes nothing, so queries keep their answers. */
export class DnsService {
  private generation = 0;
  private last: Promise<string> = Promise.resolve('');

  constructor(
    private readonly paths: ServerPaths,
    private readonly resolver: Resolver,
    private readonly listeners: Listeners,
    private readonly log: Log,
  ) {}

  /** `ok <generation>` or `error <why>`; reloads asked together run one after the other. */
  reload(): Promise<string> {
    this.last = this.last.then(() => this.reloadNow()).catch((e) => this.failed(String((e as Error)?.message ?? e)));
    return this.last;
  }

  private async reloadNow(): Promise<string> {
    const started = Date.now();
    const read = readRecords(this.paths.specs);
    if (!read.ok) return this.failed(read.error);
    try {
      await this.listeners.sync(listenAddresses(read.records));
    } catch (e) {
      return this.failed((e as Error).message);
    }
    // The old view goes before the new one is built (nothing is answered meanwhile: the build is synchronous):
    // with ten thousand containers both at once would be the server's peak of memory.
    this.resolver.use(EMPTY_VIEW);
    collect();
    const view = buildView(read.records);
    this.resolver.use(view);
    this.generation++;
    // Once this frame is gone: until then its locals hold the parsed records.
    setImmediate(compact);
    this.log.line(
      `reload ${this.generation} in ${Date.now() - started} ms: ${read.records.length} specs, ${view.networks.size} networks, ${view.containers} containers, ` +
        `listening on ${view.addresses.join(' ') || 'nothing'}`,
    );
    return `ok ${this.generation}`;
  }

  private failed(why: string): string {
    const line = why.replace(/\s+/g, ' ').trim();
    this.log.line(`reload failed, generation ${this.generation} kept: ${line}`);
    return `error ${line}`;
  }
}

/**
 * With `--expose-gc`, one full collection right after a reload, compacting: the parsed records are garbage by
 * now, and moving the new view together gives their pages back to the system at once, instead of whenever V8's
 * memory reducer finds an idle moment (it does not compact them all). Compaction is turned on for this
 * collection only: on every full collection it would stop answering for 60 ms at a time.
 */
function compact(): void {
  setFlagsFromString('--compact-on-every-full-gc');
  collect();
  setFlagsFromString('--no-compact-on-every-full-gc');
}

/** A full collection, with `--expose-gc`; nothing without. */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
