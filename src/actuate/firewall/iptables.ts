// The iptables backend: picks nf_tables or legacy as the host already uses it, and never mixes the two.

import { tnetError, TnetFailure } from '../../model/errors.js';
import type { FwTableName } from '../../model/firewall.js';
import { run, start, type Started } from '../../util/exec.js';
import type { FirewallBackend } from '../../model/backends.js';
import type { SavedRules } from '../../watch/saved-rules.js';

export type IptablesVariant = 'nf_tables' | 'legacy';

const COMMANDS: Record<IptablesVariant, { save: string; restore: string }> = {
  nf_tables: { save: 'iptables-nft-save', restore: 'iptables-nft-restore' },
  legacy: { save: 'iptables-legacy-save', restore: 'iptables-legacy-restore' },
};

const RESTORE_ARGS = ['--noflush', '-w', '5'];

/**
 * An iptables-nft-restore started ahead of need (watch mode), idle on its input until a restore feeds it:
 * spawning from a large process and the program's start-up cost ~5-10 ms that an edit then does not wait
 * for. nf_tables only: it reads the rules when its input comes, and takes no lock while it waits, where
 * the legacy variant would hold the xtables lock from its start. Closed unused, it changes nothing.
 */
let ready: Started | null = null;

function restoreProcess(variant: IptablesVariant): Started {
  const r = variant === 'nf_tables' ? ready : null;
  if (r) ready = null;
  return r ?? start(COMMANDS[variant].restore, RESTORE_ARGS);
}

/** Watch mode: iptables-nft-save's output kept while xtables-monitor reports no commit (saved-rules.ts). */
let keptRules: SavedRules | null = null;

export function keepSavedRules(s: SavedRules | null): void {
  keptRules = s;
}

/** Ends the process started ahead, if any (watch mode shutting down). */
export function closeReadyRestore(): void {
  ready?.feed('');
  ready = null;
}

/** `saved`: the rules read moments ago while choosing the variant, served once instead of reading again. */
export function iptablesBackend(variant: IptablesVariant, saved?: string): FirewallBackend {
  const cmd = COMMANDS[variant];
  let fresh = saved;
  return {
    name: variant,
    save: async () => {
      const text = fresh;
      fresh = undefined;
      return text ?? saveText(variant);
    },
    restore: async (tables, text) => {
      // -w: wait for the xtables lock (legacy) rather than fail when another tool holds it.
      const p = restoreProcess(variant);
      const kept = variant === 'nf_tables' ? keptRules : null;
      kept?.committing(p.pid);
      p.feed(text);
      const r = await p.result;
      // A read that began while it ran may have seen the rules before it.
      kept?.committing(p.pid);
      if (r.code !== 0) throw failure('firewall', cmd.restore, tables, r.stderr, text);
      return undefined;
    },
    prepare: () => {
      if (variant === 'nf_tables') ready ??= start(cmd.restore, RESTORE_ARGS);
    },
  };
}

/** One iptables-save of every table; watch mode's kept copy while it holds (nf_tables only). */
function saveText(variant: IptablesVariant): Promise<string> {
  const cmd = COMMANDS[variant].save;
  const read = async () => {
    const r = await run(cmd, []);
    if (r.code !== 0) throw failure('observe', cmd, null, r.stderr);
    return r.stdout;
  };
  return variant === 'nf_tables' && keptRules ? keptRules.read(read) : read();
}

/** `code`: 'observe' for a read of every table (`tables` null), 'firewall' for a restore. */
function failure(code: 'observe' | 'firewall', cmd: string, tables: FwTableName[] | null, stderr: string, input?: string): TnetFailure {
  const on = tables?.length ? ` on table${tables.length > 1 ? 's' : ''} ${tables.join(', ')}` : '';
  return new TnetFailure([
    tnetError(code, `${cmd} failed${on}: ${stderr.trim() || 'no message'}`, {
      hint: input ? `input was:\n${input}` : 'is iptables installed, and are you root?',
    }),
  ]);
}

interface Weighed {
  weight: number;
  saved: string;
}

/** Rules and user chains a variant holds (0 when it is missing or empty), with the text read. */
async function weigh(variant: IptablesVariant): Promise<Weighed> {
  const saved = await saveText(variant).catch(() => '');
  return { weight: saved.split('\n').filter((l) => l.startsWith('-A ') || / - \[\d+:\d+\]$/.test(l)).length, saved };
}

/** What plain `iptables` is on this machine: `iptables v1.8.9 (nf_tables)` or `(legacy)`. */
async function installedDefault(): Promise<IptablesVariant> {
  const r = await run('iptables', ['--version']).catch(() => null);
  return r && /legacy/.test(r.stdout) ? 'legacy' : 'nf_tables';
}

/**
 * The variant the host already uses: the only one holding rules, else the installed default. When both
 * hold rules (a host that already mixes them) the installed default wins: it is what admins see.
 */
export async function chooseVariant(): Promise<IptablesVariant> {
  return (await choose()).variant;
}

async function choose(): Promise<{ variant: IptablesVariant; saved: string }> {
  const [legacy, nft] = await Promise.all([weigh('legacy'), weigh('nf_tables')]);
  if (legacy.weight > 0 && nft.weight === 0) return { variant: 'legacy', saved: legacy.saved };
  if (nft.weight > 0 && legacy.weight === 0) return { variant: 'nf_tables', saved: nft.saved };
  const variant = await installedDefault();
  return { variant, saved: variant === 'legacy' ? legacy.saved : nft.saved };
}

/** The backend, primed with the rules read while choosing it: observing them then costs no further process. */
export async function detectIptablesBackend(): Promise<FirewallBackend> {
  const { variant, saved } = await choose();
  return iptablesBackend(variant, saved);
}
