// What desiring the rules remembers between the reconciles of one process: each container's port rules, each bridge's view, each chain's texts.

import type { CausedRule, FwFamily, FwRule } from '../../model/firewall.js';
import type { FwBridge, FwContainer } from './input.js';
import { PortRulesMemo, type PortRules } from './port-rules.js';
import { LastValue, same } from '../../util/last-value.js';
import { Memo } from '../../util/memo.js';

/**
 * A port edited at ten thousand containers over ten bridges changes the rules of one container of one bridge:
 * the other bridges' views, their per-port chains and those chains' texts are the objects of the last pass,
 * found by identity (a view while its bridge and members are the same), and the planner then skips their
 * chains by identity too. Kept by whoever keeps the DesireCache; a one-shot command uses a fresh one.
 */
export class FirewallMemo {
  private readonly ports = new PortRulesMemo();
  private readonly views = new Map<string, LastValue<unknown>>();
  private readonly texts = new Memo<CausedRule[], FwRule[]>();
  private readonly ip6 = new Memo<FwContainer, FwContainer>();
  readonly hairpin = new LastValue<string[]>();
  private readonly lists = new Map<string, readonly string[]>();

  /** One container's published ports and their rules (port-rules.ts). */
  of(c: FwContainer, family: FwFamily, internal: boolean, comment: string): PortRules {
    return this.ports.of(c, family, internal, comment);
  }

  /** A bridge's view, made again only when the bridge, its members (in order) or the owner's comment changed. */
  view<V>(family: FwFamily, bridge: FwBridge, members: readonly FwContainer[], comment: string, make: () => V): V {
    const key = `${family} ${bridge.name}`;
    let slot = this.views.get(key);
    if (slot === undefined) this.views.set(key, (slot = new LastValue<unknown>()));
    return slot.get([bridge, members, comment], make) as V;
  }

  /**
   * The list last given under `key` when it has the same names, else `list`: a bridge's view made again for
   * an edited port still needs hairpin on the same veths, and what is kept by that list's identity still holds.
   */
  sameList(key: string, list: string[]): string[] {
    const before = this.lists.get(key);
    if (before !== undefined && same(before, list)) return before as string[];
    this.lists.set(key, list);
    return list;
  }

  /** A chain's rule texts. */
  textsOf(rules: CausedRule[]): FwRule[] {
    return this.texts.get(rules, '', () => rules.map((r) => r.rule));
  }

  /** IPv6's copy of a container entry, its `ip` the IPv6 address: the same object while the entry is. */
  asIpv6(c: FwContainer, ip6: string): FwContainer {
    return this.ip6.get(c, ip6, () => ({ ...c, ip: ip6 }));
  }
}
