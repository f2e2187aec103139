// The iptables backend: picks nf_tables or legacy as the host already uses it, and never mixes the two.

import { tnetError, TnetFailure } from '../model/errors.js';
import type { FwTableName } from '../model/firewall.js';
import { run } from '../util/exec.js';
import type { FirewallBackend } from './backend.js';

export type IptablesVariant = 'nf_tables' | 'legacy';

const COMMANDS: Record<IptablesVariant, { save: string; restore: string }> = {
  nf_tables: { save: 'iptables-nft-save', restore: 'iptables-nft-restore' },
  legacy: { save: 'iptables-legacy-save', restore: 'iptables-legacy-restore' },
};

export function iptablesBackend(variant: IptablesVariant): FirewallBackend {
  const cmd = COMMANDS[variant];
  return {
    name: variant,
    save: async (table) => {
      const r = await run(cmd.save, ['-t', table]);
      if (r.code !== 0) throw failure(cmd.save, table, r.stderr);
      return r.stdout;
    },
    restore: async (table, text) => {
      // -w: wait for the xtables lock (legacy) rather than fail when another tool holds it.
      const r = await run(cmd.restore, ['--noflush', '-w', '5'], text);
      if (r.code !== 0) throw failure(cmd.restore, table, r.stderr, text);
      return undefined;
    },
  };
}

function failure(cmd: string, table: FwTableName, stderr: string, input?: string): TnetFailure {
  return new TnetFailure([
    tnetError('E_IPTABLES', `${cmd} failed on table ${table}: ${stderr.trim() || 'no message'}`, {
      hint: input ? `input was:\n${input}` : 'is iptables installed, and are you root?',
    }),
  ]);
}

/** Rules and user chains a variant holds; 0 when it is missing or empty. */
async function weight(variant: IptablesVariant): Promise<number> {
  const r = await run(COMMANDS[variant].save, []).catch(() => null);
  if (!r || r.code !== 0) return 0;
  return r.stdout.split('\n').filter((l) => l.startsWith('-A ') || / - \[\d+:\d+\]$/.test(l)).length;
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
  const [legacy, nft] = await Promise.all([weight('legacy'), weight('nf_tables')]);
  if (legacy > 0 && nft === 0) return 'legacy';
  if (nft > 0 && legacy === 0) return 'nf_tables';
  return installedDefault();
}

export async function detectIptablesBackend(): Promise<FirewallBackend> {
  return iptablesBackend(await chooseVariant());
}
