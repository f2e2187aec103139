// `tnet watch`'s command line: parses its flags into the options the watch runs with.

import type { Args } from './args.js';
import { EXIT } from '../model/errors.js';
import { runWatch, type WatchOptions } from '../watch/command.js';
import { parseDuration } from '../watch/duration.js';
import { LOG_LEVELS, type LogLevel } from '../watch/logger.js';
import { parseListenAddress } from '../watch/metrics-server.js';

export function watchOptions(args: Args): WatchOptions | string {
  const file = args.flags.file;
  if (typeof file !== 'string') return '-f FILE|DIR is required';
  if (file === '-') return 'watch needs a file or a folder to watch, not stdin';
  const resync = parseDuration(String(args.flags.resync ?? '30s'));
  if (resync === null) return `--resync ${args.flags.resync}: not a duration (e.g. 30s, 5m; 0 turns it off)`;
  const debounce = parseDuration(String(args.flags.debounce ?? '50ms'));
  if (debounce === null) return `--debounce ${args.flags.debounce}: not a duration (e.g. 200ms)`;
  const level = String(args.flags['log-level'] ?? process.env.TNET_LOG_LEVEL ?? 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(level)) return `--log-level ${level}: one of ${LOG_LEVELS.join(', ')}`;
  const format = String(args.flags['log-format'] ?? 'text');
  if (format !== 'text' && format !== 'json') return `--log-format ${format}: text or json`;
  const name = typeof args.flags.name === 'string' ? args.flags.name : undefined;
  const host = typeof args.flags.host === 'string' ? args.flags.host : undefined;
  const metrics = args.flags.metrics === undefined ? null : parseListenAddress(String(args.flags.metrics));
  if (args.flags.metrics !== undefined && !metrics) return `--metrics ${args.flags.metrics}: an IP address and a port, e.g. 127.0.0.1:9365 or [::1]:9365`;
  return { file, name, host, resyncMs: resync, debounceMs: debounce, level: level as LogLevel, format, wait: Boolean(args.flags.wait), metrics };
}

export async function watchCommand(args: Args): Promise<number> {
  const o = watchOptions(args);
  if (typeof o === 'string') {
    process.stderr.write(`tnet watch: ${o}\n`);
    return EXIT.usage;
  }
  return runWatch(o);
}
