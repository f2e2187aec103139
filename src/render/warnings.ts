// Warnings as text, one line each: the commands print them after the outcome, watch mode logs them.

import type { TnetWarning } from '../model/errors.js';

/** Processes named at most in one line: a namespace may hold a server's hundred workers. */
const SHOWN = 5;

export function renderWarning(w: TnetWarning): string {
  const shown = w.holders.slice(0, SHOWN).map((p) => `${p.pid} (${p.comm})`).join(', ');
  const more = w.holders.length > SHOWN ? `, and ${w.holders.length - SHOWN} more` : '';
  const one = w.holders.length === 1;
  return `namespace ${w.netns} is still held by pid${one ? '' : 's'} ${shown}${more}: its veths are removed; ${one ? 'that process keeps' : 'those processes keep'} running without a network.`;
}
