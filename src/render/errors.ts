// Renders error values once, at the edge: where (file:line:col with the line, or the field path), what, and a hint.

import type { TnetError } from '../model/errors.js';

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
  return lines.join('\n');
}

export function renderErrors(errors: TnetError[]): string {
  return errors.map(renderError).join('\n\n');
}
