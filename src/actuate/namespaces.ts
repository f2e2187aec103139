// The first phase: host links and namespaces removed, namespaces added, in one `ip -batch`; bind mounts for attach.

import { tnetError, type TnetError } from '../model/errors.js';
import type { Action } from '../model/action.js';
import { NETNS_DIR } from '../observe/paths.js';
import { run } from '../util/exec.js';
import { hostBatch } from './ip-batch.js';

type Attach = Extract<Action, { op: 'netns-attach' }>;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// `ip netns add` makes /run/netns a shared mount point on first use; a bind mount made before that would
// end up hidden under it, so attach prepares the folder the same way first.
const PREPARE = `mkdir -p ${NETNS_DIR} && { mountpoint -q ${NETNS_DIR} || { mount --bind ${NETNS_DIR} ${NETNS_DIR} && mount --make-rshared ${NETNS_DIR}; }; }`;

export function namespaceScript(ipLines: string[], attach: Attach[], marks: Map<string, string[]> = new Map()): string {
  const steps = ['set -e'];
  if (ipLines.length) steps.push(`printf '%s\\n' ${ipLines.map(q).join(' ')} | ip -batch -`);
  // In the same shell as `netns add`: the shell finishes its script even if tnet is killed meanwhile.
  for (const [ns, lines] of marks) for (const l of lines) steps.push(`ip -n ${q(ns)} ${l.split(' ').map(q).join(' ')}`);
  if (attach.length) steps.push(PREPARE);
  for (const a of attach) {
    const target = `${NETNS_DIR}/${a.name}`;
    steps.push(`touch ${q(target)}`, `mount --bind ${q(a.source)} ${q(target)} || { rm -f ${q(target)}; exit 1; }`);
  }
  return steps.join('\n');
}

/** Without attaches or new namespaces this is a plain `ip -batch`; the shell runs bind mounts and marks. */
export async function applyNamespaces(ipLines: string[], attach: Attach[], marks: Map<string, string[]> = new Map()): Promise<TnetError[]> {
  if (attach.length === 0 && marks.size === 0) return hostBatch(ipLines);
  const r = await run('sh', ['-c', namespaceScript(ipLines, attach, marks)]);
  if (r.code === 0) return [];
  return [tnetError('kernel', `removing or creating namespaces failed: ${r.stderr.trim()}`)];
}
