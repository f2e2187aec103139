// What lives across the reconciles of one process: the firewall backend chosen, memos, and the reads watch
// mode keeps. A one-shot command makes one and drops it; `tnet watch` keeps one for as long as it runs.

import { RecordsReader } from '../observe/dns.js';
import type { RulesKeeper } from '../actuate/firewall/iptables.js';
import { ipLinks } from '../actuate/links/ip.js';
import { netlinkLinks } from '../actuate/links/netlink.js';
import { DesireCache } from '../desired/cache.js';
import { PlanMemo } from '../plan/memo.js';
import type { LinkBackend } from '../model/backends.js';
import type { FilesReader } from '../observe/files.js';
import { FirewallChoice } from './firewall.js';
import { InsideMemo } from './inside-memo.js';
import { LastValue } from '../util/last-value.js';
import { SpecFactsMemo } from './spec-facts.js';
import type { HeldAddresses } from '../desired/held.js';
import type { HeldLinks } from '../desired/veth-names.js';

export interface SessionOptions {
  /** Watch mode: iptables-nft-save's output, kept while xtables-monitor vouches for it. */
  keptRules?: RulesKeeper | null;
  /** The same for ip6tables-nft-save's. */
  keptRules6?: RulesKeeper | null;
  /** Watch mode: /etc/netns read in a worker thread, kept while inotify vouches for it. */
  files?: FilesReader | null;
  /** How namespaces are configured, in order of preference; default: linkBackends(process.env). */
  links?: readonly LinkBackend[];
  /** false for a session of one reconcile (a one-shot command): desiring keeps nothing between passes. */
  rememberDesire?: boolean;
}

/**
 * The netlink worker where it can run, `nsenter … ip -batch` where it cannot. TNET_NETLINK=ip skips the
 * worker: the tests run both paths and compare what they wired.
 */
export function linkBackends(env: NodeJS.ProcessEnv): readonly LinkBackend[] {
  return env.TNET_NETLINK === 'ip' ? [ipLinks] : [netlinkLinks, ipLinks];
}

export class Session {
  readonly firewall: FirewallChoice;
  readonly desire: DesireCache;
  /** The planner's: null in a session of one reconcile, which plans from objects it never saw before. */
  readonly plan: PlanMemo | null;
  /** Watch mode: the namespaces as the last warm pass found them. */
  readonly inside = new InsideMemo();
  /** What the reads and the first desire need to know of the spec's containers (spec-facts.ts). */
  readonly specFacts = new SpecFactsMemo();
  /** What the host's links hold for the spec (addresses sealed, veth names), while the links are the same. */
  readonly heldOnHost = new LastValue<{ ips: HeldAddresses; links: HeldLinks }>();
  /** The same with the addresses of the namespaces entered, while those and the links' are the same. */
  readonly heldInside = new LastValue<HeldAddresses>();
  /** How many namespaces the desired state creates, while it and the namespaces observed are the same. */
  readonly creates = new LastValue<number>();
  /** This spec's DNS records as last read, while the file is the same. */
  readonly dnsRecords = new RecordsReader();
  readonly files: FilesReader | null;
  readonly links: readonly LinkBackend[];

  constructor(opts: SessionOptions = {}) {
    this.desire = new DesireCache(opts.rememberDesire ?? true);
    this.plan = opts.rememberDesire === false ? null : new PlanMemo();
    this.firewall = new FirewallChoice(opts.keptRules ?? null, opts.keptRules6 ?? null);
    this.files = opts.files ?? null;
    this.links = opts.links ?? linkBackends(process.env);
  }

  /** Ends what the session started ahead (an idle restore process); the files reader is its owner's to close. */
  close(): void {
    this.firewall.close();
  }
}
