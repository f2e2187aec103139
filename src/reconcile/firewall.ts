// The firewall in a reconcile: which backend serves this host, what it reads for a spec, how updates reach it.

import type { FirewallApplier } from '../actuate/apply.js';
import { detectVariant, iptablesBackend, type IptablesBackend, type IptablesVariant, type RulesKeeper } from '../actuate/firewall/iptables.js';
import { renderRestore } from '../actuate/firewall/restore.js';
import { TnetFailure, type TnetError } from '../model/errors.js';
import type { FirewallObserved, FwFamily, FwTableObserved } from '../model/firewall.js';
import type { Spec } from '../model/spec.js';
import { lastTextParser, observeFirewall, readSysctls } from '../observe/firewall.js';
import { ipv6Trace } from '../observe/ip6-trace.js';
import { run } from '../util/exec.js';

export interface FirewallGlue extends FirewallApplier {
  /** What observe() reads (backend, switches): two glues with equal `reads` observe the same. */
  reads: string;
  /** Start the process the next apply will use (watch mode, while an edit settles). */
  prepare(): void;
  /** `ipv6`: the IPv6 tables read whatever the spec says (after an apply that changed them). */
  observe(ipv6?: boolean): Promise<FirewallObserved>;
  /** Only the switches observe() reads, without the rules: a few /proc files. */
  switches(): Record<string, string>;
}

/** The switches the rules may ask for: bridge netfilter (IPv6's with a dual-stack bridge), and route_localnet per bridge for 127.x ports. */
function sysctlKeys(spec: Spec): string[] {
  const bridges = Object.values(spec.bridges);
  return [
    'net.bridge.bridge-nf-call-iptables',
    ...(bridges.some((b) => b.subnet6) ? ['net.bridge.bridge-nf-call-ip6tables'] : []),
    ...bridges.map((b) => `net.ipv4.conf.${b.name}.route_localnet`),
  ];
}

/**
 * When ip6tables-save runs for a spec: 'read' when it wants IPv6 rules (a failure is then an error); 'try'
 * when it may have some there to remove (a dual-stack bridge with ip6tables or iptables off; destroy and
 * deep passes, which read everything); 'trace' when it asks for none: read only while one of its bridges
 * still holds an IPv6 address (observe/ip6-trace.ts), so an IPv4 spec's re-apply runs no ip6tables-save.
 */
type Ipv6Reads = 'read' | 'try' | 'trace';

function ipv6Reads(spec: Spec, all: boolean): Ipv6Reads {
  const dual = Object.values(spec.bridges).some((b) => b.subnet6);
  if (dual && spec.host.iptables && spec.host.ip6tables) return 'read';
  return dual || all ? 'try' : 'trace';
}

/**
 * The backend a process uses, chosen once and asked again only when told (watch mode's deep passes: start and
 * resync; detecting reads every rule twice). Owned by the reconcile session, closed with it.
 */
export class FirewallChoice {
  private variant: IptablesVariant | null = null;
  private readonly backends = new Map<IptablesVariant, IptablesBackend>();
  private readonly parse: (text: string) => FwTableObserved[] = lastTextParser();
  private readonly parse6: (text: string) => FwTableObserved[] = lastTextParser();
  /** A detection started before the spec was known (detectAhead), for the next forSpec. */
  private ahead: ReturnType<typeof detectVariant> | null = null;

  /** `kept`, `kept6`: watch mode's copies of the rules, served while xtables-monitor vouches for them. */
  constructor(
    private readonly kept: RulesKeeper | null = null,
    private readonly kept6: RulesKeeper | null = null,
  ) {}

  /**
   * null on a host without iptables whose spec asks for no rule (`host.iptables: false`): tnet then does
   * nothing with the firewall at all; with iptables there, such a spec still removes what it wrote before.
   */
  async forSpec(spec: Spec, redetect: boolean, readAll = false): Promise<FirewallGlue | null> {
    if (!spec.host.iptables && (await run('iptables', ['--version'])).code !== 0) return null;
    if (redetect || !this.variant || this.ahead) {
      const detecting = this.ahead ?? detectVariant(this.kept);
      this.ahead = null;
      const { variant, saved } = await detecting;
      this.variant = variant;
      this.backend(variant).prime(saved);
    }
    return this.glue(this.backend(this.variant), spec, readAll);
  }

  /**
   * Starts detecting the backend now, for the next forSpec: a one-shot command calls it before reading its
   * spec, once it holds the lock, so that the rules are read (they are read while detecting) during the parse.
   */
  detectAhead(): void {
    if (this.ahead) return;
    this.ahead = detectVariant(this.kept);
    // Dropped unread when the spec turns out invalid: a failure then is nobody's error.
    this.ahead.catch(() => undefined);
  }

  /** forSpec without detection, when the backend is known already: at once, so reads start at once. */
  known(spec: Spec): FirewallGlue | null {
    return spec.host.iptables && this.variant ? this.glue(this.backend(this.variant), spec, false) : null;
  }

  close(): void {
    for (const b of this.backends.values()) b.close();
  }

  /** One per variant for the session: a restore process started ahead, or rules read, are found by the next glue. */
  private backend(variant: IptablesVariant): IptablesBackend {
    let b = this.backends.get(variant);
    if (!b) this.backends.set(variant, (b = iptablesBackend(variant, { kept: this.kept, kept6: this.kept6 })));
    return b;
  }

  private glue(backend: IptablesBackend, spec: Spec, readAll: boolean): FirewallGlue {
    const sysctls = sysctlKeys(spec);
    const six = ipv6Reads(spec, readAll);
    const bridges = Object.keys(spec.bridges);
    const probe = (force: boolean) => {
      if (force || six !== 'trace') return six === 'read' ? 'read' : 'try';
      return ipv6Trace(spec.name, bridges) ? 'try' : undefined;
    };
    return {
      reads: JSON.stringify([backend.name, sysctls, six]),
      prepare: () => backend.prepare?.(six === 'read' ? [4, 6] : [4]),
      observe: (ipv6 = false) => observeFirewall(backend, { sysctls, parse: this.parse, parse6: this.parse6, ipv6: probe(ipv6) }),
      switches: () => readSysctls(sysctls),
      // One restore per family, side by side: each is atomic per table, and the undo sets back whichever went through.
      apply: async (updates) => {
        const ofFamily = (family: FwFamily) => updates.filter((u) => (u.family ?? 4) === family);
        const errors = await Promise.all(([4, 6] as const).map((family) => restore(backend, ofFamily(family), family)));
        return errors.flat();
      },
    };
  }
}

async function restore(backend: IptablesBackend, updates: Parameters<FirewallGlue['apply']>[0], family: FwFamily): Promise<TnetError[]> {
  if (updates.length === 0) return [];
  try {
    await backend.restore(updates.map((u) => u.table), updates.map((u) => renderRestore(u.table, u.update)).join(''), family);
    return [];
  } catch (e) {
    if (e instanceof TnetFailure) return e.errors;
    throw e;
  }
}
