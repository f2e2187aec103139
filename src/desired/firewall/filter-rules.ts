// The filter table's per-spec rules: bridge isolation, conntrack, published ports, links, the icc policy, loopback martians.
// Each rule comes with its cause (the spec field that writes it); the rule text is all the kernel sees.

import type { CausedRule } from '../../model/firewall.js';
import type { FwBridge, FwContainer } from './input.js';
import { bridgeChain, CHAIN } from '../../ownership/chains.js';
import { host, ruleText } from './rule-text.js';
import type { BridgeView } from './view.js';
import { bridgeCause, caused, jumpCause } from './cause.js';

/**
 * Stage 1: traffic leaving a bridge for anything but itself goes to stage 2, which drops it when it
 * enters another tnet bridge. DNATed flows are exempt: a published port is open to everyone, another
 * bridge's containers included. Internal bridges drop whatever is not bridge-local, both ways.
 */
export function isolation1Rules(views: BridgeView[], comment: string): CausedRule[] {
  return views.flatMap(({ bridge: b, family }) => {
    const nd = family === 6 ? neighbourDiscovery(b, comment) : [];
    if (!b.internal) {
      const rule = ruleText({ in: b.name, out: { not: b.name }, matches: ['-m conntrack ! --ctstate DNAT'], comment, target: CHAIN.isolation2 });
      return [...nd, caused(rule, bridgeCause('isolation', b))];
    }
    const why = bridgeCause('internal', b, 'internal');
    return [
      ...nd,
      caused(ruleText({ src: { not: b.subnet }, out: b.name, comment, target: 'DROP' }), why),
      caused(ruleText({ dst: { not: b.subnet }, in: b.name, comment, target: 'DROP' }), why),
    ];
  });
}

/**
 * IPv6 resolves neighbours with ICMPv6 (solicitation 135, advertisement 136) where IPv4 has ARP, which
 * iptables never sees. With bridge-nf-call-ip6tables every such frame between two ports of a bridge passes
 * FORWARD: the icc DROP and an internal bridge's drop of what is not for its subnet (a solicitation goes to a
 * multicast address) would leave containers unable to find each other, and a reply to a DNATed request
 * (icc off) unable to find its way back. Accepted first, on the bridge itself only: nothing else opens.
 *
 * Before them, the MLDv2 reports (143) each container sends when it joins those groups are dropped between
 * the bridge's ports: without a querier the bridge floods every report to every port, two per container, so
 * 1,000 containers cost two million deliveries into namespaces where nothing listens (a core busy for
 * seconds in the middle of each apply, and for ten after it while each copy walked FORWARD). Only multicast
 * routers and queriers read reports; the bridge still gets them itself (INPUT), and no container routes
 * multicast on a tnet bridge.
 */
function neighbourDiscovery(b: FwBridge, comment: string): CausedRule[] {
  const rule = (type: number, target: string) =>
    caused(ruleText({ in: b.name, out: b.name, matches: [`-p ipv6-icmp -m icmp6 --icmpv6-type ${type}`], comment, target }), bridgeCause('neighbours', b));
  return [rule(MLD2_REPORT, 'DROP'), ...[135, 136].map((type) => rule(type, 'ACCEPT'))];
}

const MLD2_REPORT = 143;

export function isolation2Rules(views: BridgeView[], comment: string): CausedRule[] {
  return views.map(({ bridge: b }) => caused(ruleText({ out: b.name, comment, target: 'DROP' }), bridgeCause('isolation', b)));
}

/**
 * Martians let in by route_localnet: a packet for 127.0.0.0/8 that came in on a bridge is dropped unless it
 * is a reply (the host's own `localhost:8080`, de-NATed on its way back) or was DNATed (a published port),
 * as kube-proxy does since CVE-2020-8558. On every bridge, whatever its switch: the rule is in place before
 * the switch is turned on and until after it is turned off, and covers a switch another tool turned on.
 */
export function inputRules(views: BridgeView[], comment: string): CausedRule[] {
  return views.flatMap(({ bridge: b, family }) => [
    // IPv6 has no route_localnet: ::1 from a bridge is a martian the kernel drops itself.
    ...(family === 4
      ? [caused(ruleText({ dst: '127.0.0.0/8', in: b.name, matches: ['-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT'], comment, target: 'DROP' }), bridgeCause('loopback', b))]
      : []),
    ...dnsAccepts(b),
  ]);

  /** Queries from the bridge to tnet's DNS server on its gateway (IPv6's too), whatever the host's INPUT policy: only those. */
  function dnsAccepts(b: FwBridge): CausedRule[] {
    if (!b.dns) return [];
    return (['udp', 'tcp'] as const).map((proto) =>
      caused(ruleText({ dst: host(b.gateway), in: b.name, proto, dport: 53, comment, target: 'ACCEPT' }), bridgeCause('dns', b, 'dns')),
    );
  }
}

/** TNET-FORWARD, and the chain of each bridge with published ports that holds their accepts. */
export function forwardChains(views: BridgeView[], comment: string): Record<string, CausedRule[]> {
  const out: Record<string, CausedRule[]> = { [CHAIN.forward]: [] };
  for (const v of views) {
    // Docker's `-d ip ! -i br -o br -p proto --dport cport -j ACCEPT`, once per served container port.
    const ports = v.accepts;
    if (ports.length) out[bridgeChain('ports', v.bridge.name)] = ports;
    out[CHAIN.forward].push(...bridgeForward(v, ports.length > 0, comment));
  }
  return out;
}

function bridgeForward(v: BridgeView, hasPorts: boolean, comment: string): CausedRule[] {
  const b = v.bridge;
  const br = b.name;
  const out: CausedRule[] = [
    caused(ruleText({ out: br, matches: ['-m conntrack --ctstate RELATED,ESTABLISHED'], comment, target: 'ACCEPT' }), bridgeCause('established', b)),
  ];
  // With icc off, a container reaching a published port through the host address is DNATed and then
  // bridged (`-i br -o br`): it must pass before the icc DROP.
  if (!b.icc) {
    out.push(caused(ruleText({ in: br, out: br, matches: ['-m conntrack --ctstate DNAT'], comment, target: 'ACCEPT' }), bridgeCause('hairpin', b, 'icc')));
  }
  // The accepts of its published ports, in a chain of the bridge's own (ownership/chains.ts, BRIDGE_CHAIN).
  if (hasPorts) out.push(caused(ruleText({ out: br, comment, target: bridgeChain('ports', br) }), jumpCause(br)));
  if (!b.icc) out.push(...linkAccepts(v, comment));
  out.push(caused(ruleText({ in: br, out: br, comment, target: b.icc ? 'ACCEPT' : 'DROP' }), bridgeCause('icc', b, 'icc')));
  if (!b.internal) out.push(caused(ruleText({ in: br, out: { not: br }, comment, target: 'ACCEPT' }), bridgeCause('out', b, 'internal')));
  return out;
}

/**
 * Legacy links with icc off: b → a opens a's exposed and published container ports (and the replies,
 * `--sport`, as Docker writes them), or everything from b to a when a declares neither.
 */
function linkAccepts(v: BridgeView, comment: string): CausedRule[] {
  const byName = new Map(v.containers.map((c) => [c.name, c]));
  const out: CausedRule[] = [];
  for (const b of v.containers) {
    for (const target of [...new Set(b.links)].sort()) {
      const a = byName.get(target);
      if (a) out.push(...linkRules(v.bridge.name, b, a, linkPorts(v, a), comment));
    }
  }
  return out;
}

function linkPorts(v: BridgeView, a: FwContainer): { port: number; proto: FwContainer['expose'][number]['proto'] }[] {
  const all = new Map(a.expose.map((e) => [`${e.port}/${e.proto}`, e]));
  for (const p of v.served.get(a.name) ?? []) all.set(`${p.port}/${p.proto}`, p);
  return [...all.values()];
}

function linkRules(br: string, b: FwContainer, a: FwContainer, ports: ReturnType<typeof linkPorts>, comment: string): CausedRule[] {
  const [ib, ia] = [host(b.ip), host(a.ip)];
  const why = (port?: string) => ({ kind: 'link' as const, field: `containers.${b.name}.links`, bridge: br, container: b.name, peer: a.name, ...(port ? { port } : {}) });
  if (ports.length === 0) return [caused(ruleText({ src: ib, dst: ia, in: br, out: br, comment, target: 'ACCEPT' }), why())];
  return ports.flatMap((p) => [
    caused(ruleText({ src: ib, dst: ia, in: br, out: br, proto: p.proto, dport: p.port, comment, target: 'ACCEPT' }), why(`${p.port}/${p.proto}`)),
    caused(ruleText({ src: ia, dst: ib, in: br, out: br, proto: p.proto, sport: p.port, comment, target: 'ACCEPT' }), why(`${p.port}/${p.proto}`)),
  ]);
}
