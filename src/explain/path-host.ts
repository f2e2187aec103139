// The host's part of a packet's way: nat PREROUTING, the routing decision, filter INPUT or FORWARD, nat
// POSTROUTING, then out of an interface: to a container on a bridge, or beyond the host.

import type { WhyEndpoint } from '../model/why.js';
import type { Nat } from './chains.js';
import { endpointOn, isBridge, isLoopback, lookupRoute, otherPorts, sourceOn, type RouteTo } from './host-net.js';
import type { Packet } from './match.js';
import type { Flow, Leg, PathContext, Trail } from './trail.js';

export const localnetOn = (c: PathContext, dev: string): boolean =>
  c.view.firewall?.sysctls[`net.ipv4.conf.${dev}.route_localnet`] === '1';

/** The packet once DNATed: the new destination, and conntrack's DNAT state from here on. */
export function translated(p: Packet, nat: Nat | null): Packet {
  if (nat?.kind !== 'dnat') return p;
  return { ...p, dst: nat.ip, dport: nat.port ?? p.dport, ct: [...p.ct, 'DNAT'] };
}

/** A packet routed into the host on `p.in`: from a container's bridge (`from`), or from beyond the host. */
export function arriveRouted(c: PathContext, t: Trail, p: Packet, from: WhyEndpoint | null): Leg {
  const pre = t.hook('nat', 'PREROUTING', p);
  if (pre.outcome === 'drop') return t.ended();
  return routed(c, t, translated(p, pre.nat), from);
}

/** After PREROUTING: the routing decision, to the host itself or through it. */
export function routed(c: PathContext, t: Trail, p: Packet, from: WhyEndpoint | null): Leg {
  if (c.isLocal(p.dst)) return toHost(c, t, p);
  if (!c.view.ipForward) return t.stop('routing', 'no-forward', `${p.dst} is not the host's, and the host does not forward (net.ipv4.ip_forward is 0)`);
  const r = lookupRoute(c.view.routes, p.dst);
  if (!r) return t.stop('routing', 'no-route', `the host has no route to ${p.dst}`);
  if (!r.dev) return t.stop('routing', 'unread', `the route to ${p.dst} names no single interface (multipath)`, 'unknown');
  t.pass('routing', `${p.dst} is reached ${r.gateway ? `via ${r.gateway} ` : ''}on ${r.dev}: forwarded`);
  const fp = { ...p, out: r.dev };
  if (t.hook('filter', 'FORWARD', fp).outcome === 'drop') return t.ended();
  const post = t.hook('nat', 'POSTROUTING', fp);
  if (post.outcome === 'drop') return t.ended();
  const flow: Flow = { kind: 'forward', in: p.in, out: r.dev, src: p.src, dst: p.dst, dport: p.dport, dnat: p.ct.includes('DNAT'), snat: post.nat !== null };
  return outOf(c, t, fp, r, from, flow, seenFrom(c, post.nat, r, fp));
}

/** Local delivery of a packet that came in on `p.in` (not from the host itself). */
function toHost(c: PathContext, t: Trail, p: Packet): Leg {
  if (isLoopback(p.dst) && p.in !== 'lo' && !localnetOn(c, p.in)) {
    return t.stop('routing', 'martian', `${p.dst} came in on ${p.in}, which has route_localnet off: the kernel drops it as a martian`);
  }
  t.pass('routing', `${p.dst} is the host's own address: delivered locally (INPUT)`);
  if (t.hook('filter', 'INPUT', p).outcome === 'drop') return t.ended();
  const natIn = t.hook('nat', 'INPUT', p);
  const from = natIn.nat?.kind === 'snat' && natIn.nat.ip ? natIn.nat.ip : p.src;
  const flow: Flow = { kind: 'in', in: p.in, out: '', src: p.src, dst: p.dst, dport: p.dport, dnat: p.ct.includes('DNAT'), snat: false };
  listener(c, t, p);
  return t.done({ kind: 'host', name: 'host', ip: p.dst, port: p.dport, seenFrom: from }, flow);
}

/** Whether a socket of the host holds the port: without one the host answers (a reset, a port unreachable). */
export function listener(c: PathContext, t: Trail, p: Packet): void {
  if (p.dport === null || p.proto === 'icmp') return;
  const held = c.view.listening.some((s) => s.proto === p.proto && s.port === p.dport && (s.ipv4 === '0.0.0.0' || s.ipv4 === p.dst));
  const refusal = p.proto === 'tcp' ? 'a reset' : 'a port unreachable';
  t.pass('host', held ? `a socket of the host holds ${p.proto} ${p.dport}` : `no socket of the host holds ${p.proto} ${p.dport}: it answers with ${refusal}`);
}

/** The source the receiver sees: the SNAT address, the out interface's for MASQUERADE, else unchanged. */
export function seenFrom(c: PathContext, nat: Nat | null, r: RouteTo, p: Packet): string {
  if (nat?.kind !== 'snat') return p.src;
  return nat.ip ?? sourceOn(c.view.links, r.dev!, r.gateway ?? p.dst) ?? p.src;
}

/** Out of `r.dev`: onto a bridge to one of its containers, or beyond the host. */
export function outOf(c: PathContext, t: Trail, p: Packet, r: RouteTo, from: WhyEndpoint | null, flow: Flow, seen: string): Leg {
  const dev = r.dev!;
  if (!isBridge(c.view, dev) || r.gateway) {
    t.pass(dev, `leaves the host by ${dev}${r.gateway ? ` via ${r.gateway}` : ''}`);
    return t.done({ kind: 'outside', name: dev, ip: p.dst, port: p.dport, seenFrom: seen }, flow);
  }
  return ontoBridge(c, t, dev, p, from, flow, seen);
}

/** Onto bridge `br`, for the container holding `p.dst`: through its veth (hairpin when it is where it came from). */
export function ontoBridge(c: PathContext, t: Trail, br: string, p: Packet, from: WhyEndpoint | null, flow: Flow, seen: string): Leg {
  const to = endpointOn(c.view, br, p.dst);
  if (!to) {
    const others = otherPorts(c.view, br);
    if (others.length === 0) return t.stop(br, 'no-neighbour', `no container on ${br} has ${p.dst}: nothing answers for it`);
    t.pass(br, `out of ${br}'s other ports (${others.join(', ')}): beyond what this host decides`);
    return t.done({ kind: 'bridge', name: br, ip: p.dst, port: p.dport, seenFrom: seen }, flow);
  }
  const veth = c.view.links.find((l) => l.name === to.hostIf);
  if (!veth || veth.master !== br) return t.stop(`${br} → ${to.hostIf}`, 'unwired', `${to.container}'s veth ${to.hostIf} is ${veth ? `not on ${br}` : 'not on the host'}`);
  if (from?.hostIf === to.hostIf && !veth.hairpin) {
    return t.stop(`${br} → ${to.hostIf}`, 'hairpin', `back out of ${to.hostIf}, the port it came in by: hairpin mode is off there`);
  }
  t.pass(`${br} → ${to.hostIf}`, `to ${to.container} (${to.ip}${p.dport === null ? '' : `:${p.dport}`}), which sees it from ${seen}`);
  return t.done({ kind: 'container', name: to.container, ip: to.ip, port: p.dport, seenFrom: seen }, flow);
}
