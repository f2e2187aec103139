// The iptables backend: picks nf_tables or legacy as the host already uses it, and never mixes the two
// (ip6tables is always the variant iptables is).

import { realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tnetError, TnetFailure } from '../../model/errors.js';
import type { FwFamily, FwTableName } from '../../model/firewall.js';
import { run, start, type Started } from '../../util/exec.js';
import { readTextOr } from '../../util/read-text.js';
import type { FirewallBackend } from '../../model/backends.js';

export type IptablesVariant = 'nf_tables' | 'legacy';

const COMMANDS: Record<IptablesVariant, Record<FwFamily, { save: string; restore: string }>> = {
  nf_tables: {
    4: { save: 'iptables-nft-save', restore: 'iptables-nft-restore' },
    6: { save: 'ip6tables-nft-save', restore: 'ip6tables-nft-restore' },
  },
  legacy: {
    4: { save: 'iptables-legacy-save', restore: 'iptables-legacy-restore' },
    6: { save: 'ip6tables-legacy-save', restore: 'ip6tables-legacy-restore' },
  },
};

const RESTORE_ARGS = ['--noflush', '-w', '5'];

/** Watch mode's copy of ip(6)tables-nft-save's output, kept while xtables-monitor reports no commit. */
export interface RulesKeeper {
  /** The kept text, or a read started now by `fresh`. */
  read(fresh: () => Promise<string>): Promise<string>;
  /** tnet's own restore `pid` is about to commit, or just did: not drift, but the kept text is stale. */
  committing(pid: number | undefined): void;
}

export interface IptablesOptions {
  /** nf_tables only: serve saves from this copy while it holds (watch mode). */
  kept?: RulesKeeper | null;
  /** The same for ip6tables-nft-save's. */
  kept6?: RulesKeeper | null;
}

export interface IptablesBackend extends FirewallBackend {
  readonly name: IptablesVariant;
  /** The rules read moments ago (while choosing the variant): the next save serves them, unless a restore came first. */
  prime(saved: string): void;
  /** Ends the restore process started ahead, if any: closed unused, it changes nothing. */
  close(): void;
}

/**
 * `prepare()` starts an iptables-nft-restore ahead of need (watch mode), idle on its input until a restore
 * feeds it: spawning from a large process and the program's start-up cost ~5-10 ms that an edit then does
 * not wait for. nf_tables only: it reads the rules when its input comes, and takes no lock while it waits,
 * where the legacy variant would hold the xtables lock from its start.
 */
export function iptablesBackend(variant: IptablesVariant, opts: IptablesOptions = {}): IptablesBackend {
  const cmd = COMMANDS[variant];
  const kept: Record<FwFamily, RulesKeeper | null> = {
    4: variant === 'nf_tables' ? (opts.kept ?? null) : null,
    6: variant === 'nf_tables' ? (opts.kept6 ?? null) : null,
  };
  let fresh: string | undefined;
  const ready: Record<FwFamily, Started | null> = { 4: null, 6: null };
  const restoreProcess = (family: FwFamily): Started => {
    const r = ready[family] ?? start(cmd[family].restore, RESTORE_ARGS);
    ready[family] = null;
    return r;
  };
  return {
    name: variant,
    save: async (family = 4) => {
      const keeper = kept[family];
      if (family === 6) return keeper ? keeper.read(() => saveText(variant, 6)) : saveText(variant, 6);
      const text = fresh;
      fresh = undefined;
      return text ?? (keeper ? keeper.read(() => saveText(variant, 4)) : saveText(variant, 4));
    },
    restore: async (tables, text, family = 4) => {
      // -w: wait for the xtables lock (legacy) rather than fail when another tool holds it.
      const p = restoreProcess(family);
      if (family === 4) fresh = undefined;
      kept[family]?.committing(p.pid);
      p.feed(text);
      const r = await p.result;
      // A read that began while it ran may have seen the rules before it.
      kept[family]?.committing(p.pid);
      if (r.code !== 0) throw failure('firewall', cmd[family].restore, tables, r.stderr, text);
      return undefined;
    },
    prepare: (families = [4]) => {
      if (variant !== 'nf_tables') return;
      for (const f of families) ready[f] ??= start(cmd[f].restore, RESTORE_ARGS);
    },
    prime: (saved) => {
      fresh = saved;
    },
    close: () => {
      for (const f of [4, 6] as const) {
        ready[f]?.feed('');
        ready[f] = null;
      }
    },
  };
}

/** One iptables-save (ip6tables-save) of every table. */
async function saveText(variant: IptablesVariant, family: FwFamily = 4): Promise<string> {
  const cmd = COMMANDS[variant][family].save;
  const r = await run(cmd, []);
  if (r.code !== 0) throw failure('observe', cmd, null, r.stderr);
  return r.stdout;
}

/** `code`: 'observe' for a read of every table (`tables` null), 'firewall' for a restore. */
function failure(code: 'observe' | 'firewall', cmd: string, tables: FwTableName[] | null, stderr: string, input?: string): TnetFailure {
  const on = tables?.length ? ` on table${tables.length > 1 ? 's' : ''} ${tables.join(', ')}` : '';
  return new TnetFailure([
    tnetError(code, `${cmd} failed${on}: ${stderr.trim() || 'no message'}`, {
      hint: input
        ? `input was:\n${input}`
        : cmd.startsWith('ip6')
          ? 'is ip6tables installed, with IPv6 in the kernel, and are you root? (host.ip6tables: false writes no IPv6 rule)'
          : 'is iptables installed, and are you root?',
    }),
  ]);
}

interface Weighed {
  /** Whether the variant holds a rule or a user chain (false when it is missing or empty). */
  used: boolean;
  saved: string;
}

/** A rule, or a user chain's line (`:NAME - [0:0]`; built-in chains have a policy instead of `-`). */
const RULE_OR_CHAIN = /^(?:-A |:\S+ - \[\d+:\d+\]$)/m;

/**
 * The legacy tables this network namespace holds, as the kernel lists them: none (or no ip_tables at all)
 * means iptables-legacy-save would print nothing, and the process it costs every command is spared.
 */
const LEGACY_TABLES = '/proc/net/ip_tables_names';

/** Whether a variant is in use, with the text read: the first rule found says so, without counting the rest. */
async function weigh(variant: IptablesVariant, kept: RulesKeeper | null): Promise<Weighed> {
  if (variant === 'legacy' && readTextOr(LEGACY_TABLES, '').trim() === '') return { used: false, saved: '' };
  const read = () => saveText(variant);
  const saved = await (variant === 'nf_tables' && kept ? kept.read(read) : read()).catch(() => '');
  return { used: RULE_OR_CHAIN.test(saved), saved };
}

/** What plain `iptables` is on this machine: the program it resolves to, else `iptables v1.8.9 (nf_tables)` or `(legacy)`. */
async function installedDefault(): Promise<IptablesVariant> {
  const known = multiCallVariant();
  if (known) return known;
  const r = await run('iptables', ['--version']).catch(() => null);
  return r && /legacy/.test(r.stdout) ? 'legacy' : 'nf_tables';
}

/**
 * The variant of the first `iptables` on `path` (what a spawn of it runs), when it resolves to one of the
 * multi-call programs, which act by that name: Debian's alternatives link it to xtables-nft-multi or
 * xtables-legacy-multi. Null for anything else (a program of its own, a wrapper): `iptables --version` says
 * then. On a host without rules every command asked, in a process on the way to its plan.
 */
export function multiCallVariant(path: string = process.env.PATH ?? ''): IptablesVariant | null {
  for (const dir of path.split(':')) {
    if (!dir) continue;
    let program: string;
    try {
      program = basename(realpathSync(join(dir, 'iptables')));
    } catch {
      continue;
    }
    return program === 'xtables-nft-multi' ? 'nf_tables' : program === 'xtables-legacy-multi' ? 'legacy' : null;
  }
  return null;
}

/**
 * The variant the host already uses: the only one holding rules, else the installed default. When both
 * hold rules (a host that already mixes them) the installed default wins: it is what admins see.
 */
export async function chooseVariant(): Promise<IptablesVariant> {
  return (await detectVariant()).variant;
}

/** The variant, with the rules read while choosing it: handed to the backend, observing them costs no process. */
export async function detectVariant(kept: RulesKeeper | null = null): Promise<{ variant: IptablesVariant; saved: string }> {
  const [legacy, nft] = await Promise.all([weigh('legacy', kept), weigh('nf_tables', kept)]);
  if (legacy.used && !nft.used) return { variant: 'legacy', saved: legacy.saved };
  if (nft.used && !legacy.used) return { variant: 'nf_tables', saved: nft.saved };
  const variant = await installedDefault();
  return { variant, saved: variant === 'legacy' ? legacy.saved : nft.saved };
}
