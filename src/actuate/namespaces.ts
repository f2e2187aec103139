// The first phase: host links and namespaces removed, namespaces added, in one `ip -batch`; bind mounts for attach.

import { tnetError, type TnetError } from '../model/errors.js';
import type { Action } from '../model/action.js';
import { NETNS_DIR } from '../ownership/paths.js';
import { run } from '../util/exec.js';
import { hostBatch } from './ip-batch.js';

type Attach = Extract<Action, { op: 'netns-attach' }>;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// `ip netns add` makes /run/netns a shared mount point on first use; a bind mount made before that would
// end up hidden under it, so attach prepares the folder the same way first.
const PREPARE = `mkdir -p ${NETNS_DIR} && { mountpoint -q ${NETNS_DIR} || { mount --bind ${NETNS_DIR} ${NETNS_DIR} && mount --make-rshared ${NETNS_DIR}; }; }`;

export function namespaceScript(ipLines: string[], attach: Attach[]): string {
  const steps = ['set -e'];
  if (ipLines.length) steps.push(`printf '%s\\n' ${ipLines.map(q).join(' ')} | ip -batch -`);
  if (attach.length) steps.push(PREPARE);
  for (const a of attach) {
    const target = `${NETNS_DIR}/${a.name}`;
    steps.push(`touch ${q(target)}`, `mount --bind ${q(a.source)} ${q(target)} || { rm -f ${q(target)}; exit 1; }`);
  }
  // One function, called on the last line: a script cut short (tnet killed while writing it) is a syntax error
  // or never called, so no half of it runs.
  return `tnet_phase1() {\n${steps.join('\n')}\n}\ntnet_phase1\n`;
}

/** Without attaches this is a plain `ip -batch`; the shell is needed only for the bind mounts. */
export async function applyNamespaces(ipLines: string[], attach: Attach[]): Promise<TnetError[]> {
  if (attach.length === 0) return hostBatch(ipLines);
  // On stdin, not in argv: a thousand namespaces would pass the kernel's 128 KiB limit for one argument.
  const r = await run('sh', ['-s'], namespaceScript(ipLines, attach));
  if (r.code === 0) return [];
  return [tnetError('kernel', `removing or creating namespaces failed: ${r.stderr.trim()}`)];
}
