// The filter table's per-spec rules: bridge isolation, conntrack, published ports, links, the icc policy, loopback martians.

import type { FwRule } from '../../model/firewall.js';
import type { FwBridge, FwContainer } from './input.js';
import { CHAIN } from '../../ownership/chains.js';
import { host, ruleText } from './rule-text.js';
import type { BridgeView } from './view.js';

/**
 * Stage 1: traffic leaving a bridge for anything but itself goes to stage 2, which drops it when it
 * enters another tnet bridge. DNATed flows are exempt: a published port is open to everyone, another
 * bridge's containers included. Internal bridges drop whatever is not bridge-local, both ways.
 */
export function isolation1Rules(views: BridgeView[], comment: string): FwRule[] {
  return views.flatMap(({ bridge: b }) =>
    b.internal
      ? [
          ruleText({ src: { not: b.subnet }, out: b.name, comment, target: 'DROP' }),
          ruleText({ dst: { not: b.subnet }, in: b.name, comment, target: 'DROP' }),
        ]
      : [
          ruleText({
            in: b.name,
            out: { not: b.name },
            matches: ['-m conntrack ! --ctstate DNAT'],
            comment,
            target: CHAIN.isolation2,
          }),
        ],
  );
}

export function isolation2Rules(views: BridgeView[], comment: string): FwRule[] {
  return views.map(({ bridge: b }) => ruleText({ out: b.name, comment, target: 'DROP' }));
}

/**
 * Martians let in by route_localnet: a packet for 127.0.0.0/8 that came in on a bridge is dropped unless it
 * is a reply (the host's own `localhost:8080`, de-NATed on its way back) or was DNATed (a published port),
 * as kube-proxy does since CVE-2020-8558. On every bridge, whatever its switch: the rule is in place before
 * the switch is turned on and until after it is turned off, and covers a switch another tool turned on.
 */
export function inputRules(views: BridgeView[], comment: string): FwRule[] {
  return views.flatMap(({ bridge: b, family }) => [
    // IPv6 has no route_localnet: ::1 from a bridge is a martian the kernel drops itself.
    ...(family === 4 ? [ruleText({
      dst: '127.0.0.0/8',
      in: b.name,
      matches: ['-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT'],
      comment,
      target: 'DROP',
    })] : []),
    ...dnsAccepts(b),
  ]);

  /** Queries from the bridge to tnet's DNS server on its gateway (IPv6's too), whatever the host's INPUT policy: only those. */
  function dnsAccepts(b: FwBridge): FwRule[] {
    if (!b.dns) return [];
    return (['udp', 'tcp'] as const).map((proto) => ruleText({ dst: host(b.gateway), in: b.name, proto, dport: 53, comment, target: 'ACCEPT' }));
  }
}

export function forwardRules(views: BridgeView[], comment: string): FwRule[] {
  return views.flatMap((v) => bridgeForward(v, comment));
}

function bridgeForward(v: BridgeView, comment: string): FwRule[] {
  const br = v.bridge.name;
  const out: FwRule[] = [
    ruleText({ out: br, matches: ['-m conntrack --ctstate RELATED,ESTABLISHED'], comment, target: 'ACCEPT' }),
  ];
  // With icc off, a container reaching a published port through the host address is DNATed and then
  // bridged (`-i br -o br`): it must pass before the icc DROP.
  if (!v.bridge.icc) {
    out.push(ruleText({ in: br, out: br, matches: ['-m conntrack --ctstate DNAT'], comment, target: 'ACCEPT' }));
  }
  out.push(...publishedAccepts(v, comment));
  if (!v.bridge.icc) out.push(...linkAccepts(v, comment));
  out.push(ruleText({ in: br, out: br, comment, target: v.bridge.icc ? 'ACCEPT' : 'DROP' }));
  if (!v.bridge.internal) out.push(ruleText({ in: br, out: { not: br }, comment, target: 'ACCEPT' }));
  return out;
}

/** Docker's `-d ip ! -i br -o br -p proto --dport cport -j ACCEPT`, once per served container port. */
function publishedAccepts(v: BridgeView, comment: string): FwRule[] {
  const br = v.bridge.name;
  return v.containers.flatMap((c) =>
    (v.served.get(c.name) ?? []).map((p) =>
      ruleText({ dst: host(c.ip), in: { not: br }, out: br, proto: p.proto, dport: p.port, comment, target: 'ACCEPT' }),
    ),
  );
}

/**
 * Legacy links with icc off: b → a opens a's exposed and published container ports (and the replies,
 * `--sport`, as Docker writes them), or everything from b to a when a declares neither.
 */
function linkAccepts(v: BridgeView, comment: string): FwRule[] {
  const byName = new Map(v.containers.map((c) => [c.name, c]));
  const out: FwRule[] = [];
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

function linkRules(br: string, b: FwContainer, a: FwContainer, ports: ReturnType<typeof linkPorts>, comment: string): FwRule[] {
  const [ib, ia] = [host(b.ip), host(a.ip)];
  if (ports.length === 0) return [ruleText({ src: ib, dst: ia, in: br, out: br, comment, target: 'ACCEPT' })];
  return ports.flatMap((p) => [
    ruleText({ src: ib, dst: ia, in: br, out: br, proto: p.proto, dport: p.port, comment, target: 'ACCEPT' }),
    ruleText({ src: ia, dst: ib, in: br, out: br, proto: p.proto, sport: p.port, comment, target: 'ACCEPT' }),
  ]);
}
