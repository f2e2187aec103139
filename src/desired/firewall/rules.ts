// desiredFirewall: dockerd's bridge-network iptables and ip6tables rules (filter + nat) for one spec, as data.
//
// Chain layout (`<-` marks the jumps from built-in chains; they carry the comment `tnet`), the same in the
// IPv4 tables and, for the bridges with subnet6, in the IPv6 ones (see IPv6 below for what differs):
//
//   filter INPUT
//     1 -j TNET-INPUT         <- loopback martians dropped before any foreign accept
//     … foreign rules follow, untouched
//   filter FORWARD
//     1 -j TNET-USER          <- created once, never edited: the admin's rules (Docker's DOCKER-USER)
//     2 -j TNET-ISOLATION-1   <- bridges apart from each other
//     3 -j TNET-FORWARD       <- accepts and drops for traffic into and out of tnet bridges
//     … foreign rules follow, untouched
//   TNET-ISOLATION-1  IPv6 bridge  -i br -o br -p ipv6-icmp -m icmp6 --icmpv6-type 135|136 -j ACCEPT (neighbour discovery)
//                     per bridge   -i br ! -o br -m conntrack ! --ctstate DNAT -j TNET-ISOLATION-2
//                     internal br  ! -s subnet -o br -j DROP ; ! -d subnet -i br -j DROP
//   TNET-ISOLATION-2  per bridge   -o br -j DROP
//   TNET-FORWARD      per bridge   -o br -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
//                     icc off      -i br -o br -m conntrack --ctstate DNAT -j ACCEPT     (hairpin)
//                     ports        -o br -j TNET-PORTS-br                              (bridge publishing ports)
//                     icc off      links: -s b -d a -i br -o br [-p P --dport C] -j ACCEPT, reply --sport C
//                                  -i br -o br -j ACCEPT | DROP                        (icc)
//                     not internal -i br ! -o br -j ACCEPT                             (out)
//   TNET-PORTS-br     per port     -d ip/32 ! -i br -o br -p P -m P --dport C -j ACCEPT
//   TNET-INPUT        IPv4 bridge  -d 127.0.0.0/8 -i br -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
//                     DNS bridge   -d gw/32 -i br -p udp|tcp -m udp|tcp --dport 53 -j ACCEPT  (tnet's DNS server)
//
//   nat PREROUTING  ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j TNET   (loopback only from the host)
//       OUTPUT      -m addrtype --dst-type LOCAL -j TNET
//                   IPv6: both ! -d ::1/128 -m addrtype --dst-type LOCAL -j TNET
//       POSTROUTING -j TNET-POSTROUTING
//   TNET              ports        -j TNET-DNAT-br                                     (bridge publishing ports)
//   TNET-DNAT-br      per port     [-d hostIp/32] -p P -m P --dport H -j DNAT --to-destination ip:C
//                                  [-d hostIp/128] … --to-destination [ip6]:C           (IPv6)
//   TNET-POSTROUTING  per bridge   -s subnet ! -o br -j MASQUERADE                     (ipMasq, not internal)
//                     ports        -o br -j TNET-HAIRPIN-br                            (bridge publishing ports)
//                     127.x bound  -s 127.0.0.0/8 -o br -j MASQUERADE                     (IPv4 only)
//   TNET-HAIRPIN-br   per port     -s ip/32 -d ip/32 -p P -m P --dport C -j MASQUERADE (container to itself)
//
// Per-bridge chains (ownership/chains.ts, BRIDGE_CHAIN): a bridge's per-port rules sit in chains of its own,
// each jumped to once from where the rules used to be, in the same order, so a port edited in a watch rewrites
// a chain of one bridge's containers (at most 1023) rather than one of every container on the host:
// iptables-nft-restore fetches each chain it edits whole. Rules of different bridges never overlap (host
// ports clashing are refused), so walking the bridges' DNAT chains in turn matches what one chain matched;
// the accepts match `-o br` and the masquerades leave by the bridge they hairpin on, as their jumps do. The
// chains are the spec's: created, edited and deleted with its rules, in the same restore as the jumps.
//
// Ownership: the other chains are shared by every spec on the host; each rule inside them carries
// `-m comment --comment "tnet:<spec>"`, so two specs fill the same chains without clobbering each other
// (diff rewrites a chain with the other specs' rules kept), and bridge isolation holds across specs
// because every spec's bridges land in the same TNET-ISOLATION-2. Rules of different specs commute:
// each matches only its own bridges (-i/-o br, subnets), and isolation runs before any accept.
//
// No userland proxy: the DNAT rules have no `! -i br` (Docker adds it only when its proxy answers
// hairpin traffic); a container reaching a published port through a host address must be DNATed
// from its own bridge too. The OUTPUT jump has no `! -d 127.0.0.0/8`: a port on every address answers
// on 127.0.0.1 as well, as Docker's proxy does (`curl localhost:8080` on the host), and so does a port
// bound to 127.x; route_localnet on the bridge and a MASQUERADE of 127.0.0.0/8 onto it carry that.
// route_localnet also lets anything on the bridge route 127.0.0.1 via the host to a service bound to its
// loopback only (CVE-2020-8558): TNET-INPUT drops those packets, as kube-proxy does; only replies (the
// host's own connections, de-NATed) and DNATed ones pass. On tnet's own bridges the switch goes back off
// with the last such port.
//
// IPv6 (ip6tables, as dockerd --ip6tables): the same chains and rules for each dual-stack bridge, with its
// subnet6, the containers' IPv6 addresses (/128) and `[ip6]:port` destinations, and a port published on
// both families takes the same host port in each. What differs: there is no route_localnet in IPv6, and the
// kernel cannot send a packet from ::1 DNATed out of the host, so both nat jumps skip ::1 (`! -d ::1/128`)
// and there is neither a martian DROP in TNET-INPUT (only the DNS accepts, on gateway6) nor a MASQUERADE
// of loopback: a port is not answered on [::1] (as Docker's with userland-proxy false), and a host service
// listening on [::1] keeps its port. bridge-nf-call-ip6tables is on with the rules, for icc and hairpin.
// `host.ip6tables: false` (or `iptables: false`) asks for no IPv6 table: the spec's rules leave them.

import type { CausedChains, CausedRule, FirewallDesired, FwRule, FwTableDesired } from '../../model/firewall.js';
import type { FirewallInput, FwBridge } from './input.js';
import { CHAIN, FILTER_JUMPS, NAT_JUMPS, NAT_JUMPS6, USER_SEED } from '../../ownership/chains.js';
import { forwardChains, inputRules, isolation1Rules, isolation2Rules } from './filter-rules.js';
import { dnatChains, postroutingChains } from './nat-rules.js';
import { commentMatch, specOwner } from '../../ownership/rule-owner.js';
import { bridgeViews, reachesLoopback, type BridgeView } from './view.js';
import { caused, LAYOUT } from './cause.js';
import { FirewallMemo } from './memo.js';

/** `memo`: the rules, views and chains desired before (see memo.ts). */
export function desiredFirewall(input: FirewallInput, memo = new FirewallMemo()): FirewallDesired {
  const views = bridgeViews(input, 4, memo);
  if (views.length === 0) return { spec: input.spec, tables: [], tables6: [], sysctls: {}, hairpinPorts: [] };
  const views6 = bridgeViews(input, 6, memo);
  const all = [...views, ...views6];
  return {
    spec: input.spec,
    tables: tablesOf(causedChains(views, input), views, memo),
    tables6: views6.length ? tablesOf(causedChains(views6, input), views6, memo) : [],
    sysctls: sysctls(views, views6.length > 0),
    // By each view's list, which an edit of ports leaves the same (memo.sameList).
    hairpinPorts: memo.hairpin.get(all.map((v) => v.hairpinPorts), () => hairpinPorts(all)),
  };
}

/** The spec's rules with their causes (`tnet why`): desiredFirewall's chains are exactly their texts. */
export function firewallCauses(input: FirewallInput): CausedChains {
  return causedChains(bridgeViews(input), input);
}

function causedChains(views: BridgeView[], input: FirewallInput): CausedChains {
  const comment = commentMatch(specOwner(input.spec));
  return {
    filter: {
      [CHAIN.user]: [caused(USER_SEED, LAYOUT)],
      [CHAIN.isolation1]: isolation1Rules(views, comment),
      [CHAIN.isolation2]: isolation2Rules(views, comment),
      ...forwardChains(views, comment),
      [CHAIN.input]: inputRules(views, comment),
    },
    nat: {
      ...dnatChains(views, comment),
      ...postroutingChains(views, input.ipMasq, comment),
    },
  };
}

/** A bridge's per-port chains are the view's arrays: their texts are found again while the view is the same. */
function texts(chains: Record<string, CausedRule[]>, memo: FirewallMemo): Record<string, FwRule[]> {
  return Object.fromEntries(Object.entries(chains).map(([name, rules]) => [name, memo.textsOf(rules)]));
}

/** The views are all of one family: their jumps are that family's. */
function tablesOf(chains: CausedChains, views: BridgeView[], memo: FirewallMemo): FwTableDesired[] {
  return [
    { table: 'filter', chains: texts(chains.filter, memo), keepChains: [CHAIN.user], jumps: FILTER_JUMPS },
    { table: 'nat', chains: texts(chains.nat, memo), keepChains: [], jumps: views[0]?.family === 6 ? NAT_JUMPS6 : NAT_JUMPS },
  ];
}

/** bridge-nf-call-ip(6)tables: bridged frames must see FORWARD for icc, links and same-bridge hairpin. */
function sysctls(views: BridgeView[], ipv6: boolean): Record<string, string> {
  const loopback = (v: BridgeView): boolean => v.published.some((p) => reachesLoopback(p.port.hostIp));
  return Object.fromEntries([
    ['net.bridge.bridge-nf-call-iptables', '1'],
    ...(ipv6 ? [['net.bridge.bridge-nf-call-ip6tables', '1']] : []),
    ...views.flatMap((v) => localnet(v.bridge, loopback(v))),
  ]);
}

/**
 * route_localnet: on while a port answers on the host's loopback; off again once none does, on the bridges
 * tnet made only (an external bridge's switch may be another tool's). The plan writes the off only where it
 * reads the switch on, so a bridge just made costs no action.
 */
function localnet(b: Pick<FwBridge, 'name' | 'external'>, on: boolean): [string, string][] {
  const key = `net.ipv4.conf.${b.name}.route_localnet`;
  if (on) return [[key, '1']];
  return b.external ? [] : [[key, '0']];
}

/** route_localnet off where tnet may turn it off: with no rule written, no port answers on loopback. */
export function localnetOff(bridges: Pick<FwBridge, 'name' | 'external'>[]): Record<string, string> {
  return Object.fromEntries(bridges.flatMap((b) => localnet(b, false)));
}

/**
 * A container reaching its own published port (on either family) is sent back out of the port it came in by.
 * Each view's list is sorted and unique already: merged two by two, not sorted again (10,000 names sorted
 * cost ~10 ms of every edit).
 */
function hairpinPorts(views: BridgeView[]): string[] {
  let runs = views.map((v) => v.hairpinPorts).filter((r) => r.length > 0);
  while (runs.length > 1) runs = runs.flatMap((r, i) => (i % 2 ? [] : [i + 1 < runs.length ? mergeUnique(r, runs[i + 1]) : r]));
  return runs[0] ?? [];
}

/** Two sorted lists of unique names as one, each name once (an IPv4 and IPv6 view share their bridge's). */
function mergeUnique(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) out.push(a[i++]);
    else if (b[j] < a[i]) out.push(b[j++]);
    else (out.push(a[i++]), j++);
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}
