// The watch's logger: winston, readable lines for people (coloured on a terminal) or JSON lines for machines.

import winston from 'winston';

export type LogFormat = 'text' | 'json';
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** Resolves once what was logged is written: before exiting, so the last lines are not lost. */
  close(): Promise<void>;
}

export function createLogger(opts: { level: LogLevel; format: LogFormat; tty?: boolean }): Logger {
  const tty = opts.tty ?? Boolean(process.stdout.isTTY);
  const format =
    opts.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp({ format: tty ? 'HH:mm:ss' : undefined }),
          ...(tty ? [winston.format.colorize({ level: true })] : []),
          winston.format.printf(textLine),
        );
  const logger = winston.createLogger({ level: opts.level, levels: winston.config.npm.levels, format, transports: [new winston.transports.Console()] });
  return {
    error: (m, meta) => logger.error(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    info: (m, meta) => logger.info(m, meta),
    debug: (m, meta) => logger.debug(m, meta),
    close: () =>
      new Promise((resolve) => {
        logger.once('finish', () => resolve());
        logger.end();
      }),
  };
}

/** `time level: message key=value`, then the lines of `detail` (a plan, rendered errors) indented under it. */
function textLine(info: winston.Logform.TransformableInfo): string {
  const { timestamp, level, message, detail, ...rest } = info as Record<string, unknown>;
  const fields = Object.entries(rest)
    .filter(([k]) => typeof k === 'string' && k !== 'splat')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const head = [timestamp, `${level}:`, message, ...fields].filter(Boolean).join(' ');
  const body = Array.isArray(detail) ? detail : typeof detail === 'string' ? [detail] : [];
  return [head, ...body.flatMap((d) => String(d).split('\n')).map((l) => `  ${l}`)].join('\n');
}
