// Renders error values once, at the edge: where (file:line:col with the line, or the field path), what, a hint;
// and an exception nothing expected, as one line.

import { oneLine, type TnetError } from '../model/errors.js';

export function renderError(e: TnetError): string {
  const lines = [`error[${e.code}]: ${e.message}`];
  if (e.pos) {
    lines.push(`  --> ${e.pos.file}:${e.pos.line}:${e.pos.col}`);
    if (e.pos.lineText !== undefined) {
      const n = String(e.pos.line);
      const pad = ' '.repeat(n.length);
      lines.push(`${pad} |`, `${n} | ${e.pos.lineText}`, `${pad} | ${' '.repeat(Math.max(0, e.pos.col - 1))}^`);
    }
  }
  if (e.path) lines.push(`  at ${e.path}`);
  if (e.hint) lines.push(`  hint: ${e.hint}`);
  if (e.trace) lines.push(...e.trace.split('\n').map((l) => `  ${l.trim()}`));
  return lines.join('\n');
}

export function renderErrors(errors: TnetError[]): string {
  return errors.map(renderError).join('\n\n');
}

/**
 * An exception nothing expected, at the command line's edge: one line, and how to report it. `command` is
 * the command line that failed; `stack` only when asked for (TNET_DEBUG=1), as users need no trace to read.
 */
export function renderCrash(thrown: unknown, command: string, stack: boolean): string {
  const trace = stack && thrown instanceof Error && thrown.stack ? [thrown.stack] : [];
  const again = stack ? '' : ' (TNET_DEBUG=1 adds the stack trace)';
  return [`tnet: internal error: ${oneLine(thrown)}`, `tnet: this is a bug; please report it with the command that failed: ${command}${again}`, ...trace].join('\n');
}
