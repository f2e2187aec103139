// The firewall in a reconcile: which backend serves this host, what it reads for a spec, how updates reach it.

import type { FirewallApplier } from '../actuate/apply.js';
import { detectVariant, iptablesBackend, type IptablesBackend, type IptablesVariant, type RulesKeeper } from '../actuate/firewall/iptables.js';
import { renderRestore } from '../actuate/firewall/restore.js';
import { TnetFailure } from '../model/errors.js';
import type { FirewallObserved, FwTableObserved } from '../model/firewall.js';
import type { Spec } from '../model/spec.js';
import { lastTextParser, observeFirewall, readSysctls } from '../observe/firewall.js';
import { run } from '../util/exec.js';

export interface FirewallGlue extends FirewallApplier {
  /** What observe() reads (backend, switches): two glues with equal `reads` observe the same. */
  reads: string;
  /** Start the process the next apply will use (watch mode, while an edit settles). */
  prepare(): void;
  observe(): Promise<FirewallObserved>;
  /** Only the switches observe() reads, without the rules: a few /proc files. */
  switches(): Record<string, string>;
}

/** The switches the rules may ask for: bridge netfilter, and route_localnet per bridge for 127.x ports. */
function sysctlKeys(spec: Spec): string[] {
  return ['net.bridge.bridge-nf-call-iptables', ...Object.keys(spec.bridges).map((b) => `net.ipv4.conf.${b}.route_localnet`)];
}

/**
 * The backend a process uses, chosen once and asked again only when told (watch mode's deep passes: start and
 * resync; detecting reads every rule twice). Owned by the reconcile session, closed with it.
 */
export class FirewallChoice {
  private variant: IptablesVariant | null = null;
  private readonly backends = new Map<IptablesVariant, IptablesBackend>();
  private readonly parse: (text: string) => FwTableObserved[] = lastTextParser();

  /** `kept`: watch mode's copy of the rules, served while xtables-monitor vouches for it. */
  constructor(private readonly kept: RulesKeeper | null = null) {}

  /**
   * null on a host without iptables whose spec asks for no rule (`host.iptables: false`): tnet then does
   * nothing with the firewall at all; with iptables there, such a spec still removes what it wrote before.
   */
  async forSpec(spec: Spec, redetect: boolean): Promise<FirewallGlue | null> {
    if (!spec.host.iptables && (await run('iptables', ['--version'])).code !== 0) return null;
    if (redetect || !this.variant) {
      const { variant, saved } = await detectVariant(this.kept);
      this.variant = variant;
      this.backend(variant).prime(saved);
    }
    return this.glue(this.backend(this.variant), spec);
  }

  /** forSpec without detection, when the backend is known already: at once, so reads start at once. */
  known(spec: Spec): FirewallGlue | null {
    return spec.host.iptables && this.variant ? this.glue(this.backend(this.variant), spec) : null;
  }

  close(): void {
    for (const b of this.backends.values()) b.close();
  }

  /** One per variant for the session: a restore process started ahead, or rules read, are found by the next glue. */
  private backend(variant: IptablesVariant): IptablesBackend {
    let b = this.backends.get(variant);
    if (!b) this.backends.set(variant, (b = iptablesBackend(variant, { kept: this.kept })));
    return b;
  }

  private glue(backend: IptablesBackend, spec: Spec): FirewallGlue {
    const sysctls = sysctlKeys(spec);
    return {
      reads: JSON.stringify([backend.name, sysctls]),
      prepare: () => backend.prepare?.(),
      observe: () => observeFirewall(backend, { sysctls, parse: this.parse }),
      switches: () => readSysctls(sysctls),
      apply: async (updates) => {
        try {
          await backend.restore(updates.map((u) => u.table), updates.map((u) => renderRestore(u.table, u.update)).join(''));
          return [];
        } catch (e) {
          if (e instanceof TnetFailure) return e.errors;
          throw e;
        }
      },
    };
  }
}
