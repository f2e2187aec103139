// What desiring remembers between reconciles of one process: what each container alone makes (endpoints, namespace, files, rules).

import type { DesiredBridge, DesiredEndpoint, DesiredFile, DesiredNetns, DesiredVxlan } from '../model/desired.js';
import type { BridgeSpec, ContainerSpec } from '../model/spec.js';
import type { FwContainer } from './firewall/input.js';
import { Memo } from '../util/memo.js';
import { LastValue } from '../util/last-value.js';
import { FilterMemo, ListMemo } from '../util/list-memo.js';
import { JoinedMemo } from '../util/joined.js';
import { AllocateMemo } from './allocate.js';
import { DnsLines } from './dns.js';
import { FirewallMemo } from './firewall/memo.js';
import { listPatchOf } from '../util/patch.js';

/**
 * Watch mode desires a thousand containers on every edit, most of them the same objects as last time (see
 * spec/normalize.ts): what is derived from one container alone is looked up by identity. Whoever reconciles
 * again and again keeps one (the reconcile session); a one-shot command starts with an empty one.
 */
export class DesireCache {
  readonly endpoints = new Memo<ContainerSpec, DesiredEndpoint[]>();
  /** Each bridge, and its VXLAN device: few, but the plan's memos compare them by identity. */
  readonly bridges = new Memo<BridgeSpec, DesiredBridge>();
  readonly vxlans = new Memo<BridgeSpec, DesiredVxlan[]>();
  readonly firewall = new Memo<ContainerSpec, FwContainer[]>();
  /** Its namespace. */
  readonly netns = new Memo<ContainerSpec, DesiredNetns>();
  /** Its hosts and resolv.conf. */
  readonly files = new Memo<ContainerSpec, DesiredFile[]>();
  /** The addresses and host veth names allocated last, and what they were allocated from (allocate.ts). */
  readonly addresses = new AllocateMemo();
  /** Each pass's lists, reused position by position where the container is the one of the last pass. */
  readonly lists = {
    netns: new ListMemo<ContainerSpec, DesiredNetns>(),
    endpoints: new ListMemo<ContainerSpec, DesiredEndpoint[]>(),
    files: new ListMemo<ContainerSpec, DesiredFile[]>(),
    dirs: new ListMemo<ContainerSpec, string>(),
  };
  readonly firewallLists = new ListMemo<ContainerSpec, FwContainer[]>();
  /** The containers with a namespace, and the alias index while it is empty, patched as the containers list is. */
  readonly withNetns = new FilterMemo<ContainerSpec>();
  readonly aliases = new NoAliases();
  /** Those lists joined: the last result while they are the same, patched where they are patched. */
  readonly joins = {
    endpoints: new JoinedMemo<DesiredEndpoint>(),
    files: new JoinedMemo<DesiredFile>(),
    firewall: new JoinedMemo<FwContainer>(),
  };
  /** Tokens standing for what every container's endpoints, or files, take from beyond it (Memo.within). */
  readonly endpointsContext = new LastValue<object>(16);
  readonly filesContext = new LastValue<object>(16);
  readonly firewallContext = new LastValue<object>(16);
  /** Each container's line of the DNS records (dns.ts). */
  readonly dns = new DnsLines();
  /** The rules of each FwContainer's published ports, by that entry's identity; each bridge's view and chains. */
  readonly firewallRules = new FirewallMemo();

  /**
   * `remembers` false: nothing is looked up nor kept, and no key is made. A one-shot command desires once
   * (twice at most), each time from objects it never saw: keys and weak maps for every container cost it
   * time and garbage for no hit.
   */
  constructor(readonly remembers = true) {}

  /** After desiring `live` containers: names of containers gone are not kept for ever (util/memo.ts). */
  trim(live: number): void {
    for (const m of [this.endpoints, this.firewall, this.netns, this.files]) m.trim(live);
    for (const m of [this.bridges, this.vxlans]) m.trim(0);
  }
}

/** Docker's network aliases, without its DNS: a hosts line on every other container sharing the network. */
export type AliasIndex = Map<string, { container: string; name: string; ip: string }[]>;

/**
 * The last alias index while there was none to list: a containers list patched from that one, whose replaced
 * containers have no alias either, has none (specs without aliases, the usual ones, then never walk for it).
 */
export class NoAliases {
  private last: { list: readonly ContainerSpec[]; listed: string; index: AliasIndex } | null = null;

  /** `listed`: the networks whose aliases go to hosts files (those without DNS), as one string. */
  get(list: readonly ContainerSpec[], listed: string, make: () => AliasIndex): AliasIndex {
    const last = this.last;
    const patch = listPatchOf(list);
    const none = (c: ContainerSpec) => c.networks.every((e) => e.aliases.length === 0);
    if (last && patch && patch.from === last.list && last.listed === listed && patch.at.every((i) => none(list[i]))) {
      this.last = { list, listed, index: last.index };
      return last.index;
    }
    const index = make();
    this.last = index.size === 0 ? { list, listed, index } : null;
    return index;
  }
}
