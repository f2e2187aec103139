// Who owns a rule: the comment tnet writes on it, and how iptables-save prints that comment back.

import { MARK_PREFIX } from './marks.js';

/** Shared structure (jumps from built-in chains, TNET-USER's seed): every spec wants it, none owns it alone. */
export const SHARED_OWNER = 'tnet';

export const specOwner = (spec: string): string => `${MARK_PREFIX}${spec}`;

/** The spec a rule owner names (specOwner's inverse); null for no owner, the shared one, or a stranger's comment. */
export function specOfOwner(owner: string | null): string | null {
  return owner?.startsWith(MARK_PREFIX) ? owner.slice(MARK_PREFIX.length) : null;
}

/** As xtables_save_string prints it: bare when only [A-Za-z0-9_-], else double-quoted with \" \\ \' escaped. */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

export const commentMatch = (owner: string): string => `-m comment --comment ${saveString(owner)}`;

/**
 * Whether a rule lacks `owner`'s own comment, by a substring test: a spec's own rules are most of them, and
 * reading a rule's owner costs a regular expression. Those it passes still have their owner read.
 */
export function notOwnedBy(owner: string): (rule: string) => boolean {
  const own = commentMatch(owner);
  return (rule) => !rule.includes(own);
}

const COMMENT = /(?:^| )-m comment --comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/;

/** The comment of a rule as printed by iptables-save, unescaped; null when it has none. */
export function ownerOf(rule: string): string | null {
  const m = COMMENT.exec(rule);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/** tnet's chains: `TNET` (nat DNAT) and every `TNET-*`. */
export const isTnetChain = (name: string): boolean => name === 'TNET' || name.startsWith('TNET-');
