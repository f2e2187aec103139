// Says what a failed apply left behind: nothing, everything undone, or exactly what is still changed.

import type { UndoReport } from '../model/errors.js';

export function renderUndo(u: UndoReport): string {
  if (u.attempted === 0) return 'nothing was changed.\n';
  const list = (lines: string[]) => lines.map((l) => `  ${l}\n`).join('');
  if (u.rolledBack === null) {
    return u.left.length
      ? `kept what went through (--no-rollback); changed on the host:\n${list(u.left)}`
      : 'kept what went through (--no-rollback): nothing on the host differs from before.\n';
  }
  if (u.left.length === 0) return `rolled back ${u.rolledBack} action(s): the host is as tnet found it.\n`;
  return `rollback incomplete (${u.rolledBack} action(s) undone); left changed:\n${list(u.left)}`;
}

/** The same in a few words, for a log line: the whole of it goes in the line's detail. */
export function undoSummary(u: UndoReport): string {
  if (u.attempted === 0) return 'nothing was changed';
  if (u.rolledBack === null) return 'kept what went through';
  return u.left.length ? `rollback incomplete, ${u.left.length} object(s) left changed` : `rolled back ${u.rolledBack} action(s)`;
}
