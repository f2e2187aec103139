// What desiring remembers between reconciles of one process: what each container alone makes (endpoints, namespace, files, rules).

import type { DesiredBridge, DesiredEndpoint, DesiredFile, DesiredNetns, DesiredVxlan } from '../model/desired.js';
import type { BridgeSpec, ContainerSpec } from '../model/spec.js';
import type { FwContainer } from './firewall/input.js';
import { Memo } from '../util/memo.js';
import { LastValue } from '../util/last-value.js';
import { ListMemo } from '../util/list-memo.js';
import { JoinedMemo } from '../util/joined.js';
import { AllocateMemo } from './allocate.js';
import { DnsLines } from './dns.js';
import { FirewallMemo } from './firewall/memo.js';

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
