// The request's way, by where it starts: a container's namespace (bridged to a neighbour, or routed by the
// host), the host itself (OUTPUT, rerouted after DNAT), or an address beyond the host.

import type { ObservedNetns } from '../model/observed.js';
import type { WhyEndpoint } from '../model/why.js';
import { isLoopback, lookupRoute, sourceOn, type RouteTo } from './host-net.js';
import { arriveRouted, listener, localnetOn, ontoBridge, outOf, routed, seenFrom, translated } from './path-host.js';
import type { Packet } from './match.js';
import { firstPacket, Trail, type Flow, type Leg, type PathContext } from './trail.js';

export function request(c: PathContext): Leg {
  const t = new Trail(c);
  const src = c.q.src;
  if (src.kind === 'container') return fromContainer(c, t, src.name);
  if (src.kind === 'host') return fromHost(c, t);
  return fromOutside(c, t);
}

function fromContainer(c: PathContext, t: Trail, name: string): Leg {
  const eps = c.view.endpoints.filter((e) => e.container === name);
  const ns = c.view.netns[eps[0]?.netns ?? name];
  const dst = c.q.dst.ip;
  if (!ns?.read) return t.stop(name, 'unread', `${name}'s namespace is not on this host, or could not be read`, 'unknown');
  if (isLoopback(dst) || ns.links.some((l) => l.addrs.some((a) => a.split('/')[0] === dst))) {
    t.pass(name, `${dst} is ${name}'s own address: delivered inside its namespace, no host rule involved`);
    const flow: Flow = { kind: 'inside', in: 'lo', out: 'lo', src: dst, dst, dport: c.q.port, dnat: false, snat: false };
    return t.done({ kind: 'container', name, ip: dst, port: c.q.port, seenFrom: dst }, flow);
  }
  const r = lookupRoute(ns.routes, dst);
  if (!r?.dev) return t.stop(name, 'no-route', `${name} has no route to ${dst}`);
  const ep = endpointOf(ns, r.dev, eps);
  if (!ep) return t.stop(`${name}:${r.dev}`, 'unread', `${r.dev} is not one of tnet's endpoints`, 'unknown');
  t.pass(`${name}:${r.dev}`, `${ep.ip} → ${dst}${r.gateway ? ` via ${r.gateway}` : ' on the link'}`);
  const veth = c.view.links.find((l) => l.name === ep.hostIf);
  if (!veth || veth.master !== ep.bridge) return t.stop(`${ep.hostIf} → ${ep.bridge}`, 'unwired', `the host end ${ep.hostIf} is ${veth ? `not on ${ep.bridge}` : 'missing'}`);
  t.pass(`${ep.hostIf} → ${ep.bridge}`, `into bridge ${ep.bridge}`);
  const p: Packet = { ...firstPacket(c.q, ep.ip, dst), in: ep.bridge };
  const next = r.gateway ?? dst;
  return c.isLocal(next) ? arriveRouted(c, t, p, ep) : bridged(c, t, p, ep);
}

/** The endpoint behind an interface inside: by name (from the spec), else by the veth's peer index (marks only). */
function endpointOf(ns: ObservedNetns, dev: string, eps: WhyEndpoint[]): WhyEndpoint | null {
  const byName = eps.find((e) => e.ifname === dev);
  if (byName) return byName;
  const inside = ns.links.find((l) => l.name === dev);
  return eps.find((e) => e.ifname === null && inside?.addrs.some((a) => a.split('/')[0] === e.ip)) ?? null;
}

/**
 * Same bridge: the frame is switched, yet with bridge-nf-call-iptables the kernel runs the IPv4 hooks on it,
 * FORWARD seeing `-i br -o br`. A DNAT there makes the kernel route it instead.
 */
function bridged(c: PathContext, t: Trail, p: Packet, from: WhyEndpoint): Leg {
  const br = from.bridge;
  const flow = (q: Packet, snat: boolean): Flow => ({ kind: 'bridged', in: br, out: br, src: q.src, dst: q.dst, dport: q.dport, dnat: false, snat });
  if (c.view.firewall?.sysctls['net.bridge.bridge-nf-call-iptables'] !== '1') {
    t.pass(br, 'switched on the bridge, unseen by iptables: net.bridge.bridge-nf-call-iptables is not 1');
    return ontoBridge(c, t, br, p, from, flow(p, false), p.src);
  }
  const pre = t.hook('nat', 'PREROUTING', p);
  if (pre.outcome === 'drop') return t.ended();
  if (pre.nat) return routed(c, t, translated(p, pre.nat), from);
  t.pass(br, `${p.dst} is on ${br}: switched, and seen by iptables as -i ${br} -o ${br}`);
  const fp = { ...p, out: br };
  if (t.hook('filter', 'FORWARD', fp).outcome === 'drop') return t.ended();
  const post = t.hook('nat', 'POSTROUTING', fp);
  if (post.outcome === 'drop') return t.ended();
  return ontoBridge(c, t, br, fp, from, flow(fp, post.nat !== null), seenFrom(c, post.nat, { dev: br, gateway: null }, fp));
}

/** From the host: routed, nat OUTPUT (a DNAT reroutes it), filter OUTPUT, nat POSTROUTING, then out or to itself. */
function fromHost(c: PathContext, t: Trail): Leg {
  const dst = c.q.dst.ip;
  const first = routeFromHost(c, dst);
  if (!first?.dev) return t.stop('routing', 'no-route', `the host has no route to ${dst}`);
  const src = c.isLocal(dst) ? (isLoopback(dst) ? '127.0.0.1' : dst) : sourceOn(c.view.links, first.dev, first.gateway ?? dst);
  if (!src) return t.stop('routing', 'no-route', `${first.dev} has no address to send from`);
  t.pass('routing', `from ${src} on ${first.dev}${first.gateway ? ` via ${first.gateway}` : ''}`);
  const sent = { ...firstPacket(c.q, src, dst), out: first.dev };
  const out = t.hook('nat', 'OUTPUT', sent);
  if (out.outcome === 'drop') return t.ended();
  const p = translated(sent, out.nat);
  const r = out.nat ? routeFromHost(c, p.dst) : first;
  if (!r?.dev) return t.stop('routing', 'no-route', `the host has no route to ${p.dst}`);
  if (out.nat) t.pass('routing', `DNATed to ${p.dst}: rerouted on ${r.dev}`);
  if (isLoopback(p.src) && r.dev !== 'lo' && !localnetOn(c, r.dev)) {
    return t.stop('routing', 'localnet', `the kernel sends no 127.x source out of ${r.dev}: route_localnet is off there`);
  }
  return leaveHost(c, t, { ...p, out: r.dev }, r);
}

/** After the routing decision: filter OUTPUT, nat POSTROUTING, then out of an interface, or back in by lo. */
function leaveHost(c: PathContext, t: Trail, p: Packet, r: RouteTo): Leg {
  if (t.hook('filter', 'OUTPUT', p).outcome === 'drop') return t.ended();
  const post = t.hook('nat', 'POSTROUTING', p);
  if (post.outcome === 'drop') return t.ended();
  const local = p.out === 'lo';
  const flow: Flow = { kind: local ? 'local' : 'out', in: '', out: p.out, src: p.src, dst: p.dst, dport: p.dport, dnat: p.ct.includes('DNAT'), snat: post.nat !== null };
  if (!local) return outOf(c, t, p, r, null, flow, seenFrom(c, post.nat, r, p));
  const back: Packet = { ...p, in: 'lo', out: '' };
  if (t.hook('filter', 'INPUT', back).outcome === 'drop') return t.ended();
  listener(c, t, back);
  return t.done({ kind: 'host', name: 'host', ip: p.dst, port: p.dport, seenFrom: p.src }, flow);
}

const routeFromHost = (c: PathContext, dst: string): RouteTo | null => (c.isLocal(dst) ? { dev: 'lo', gateway: null } : lookupRoute(c.view.routes, dst));

/** From beyond the host: it comes in on the interface of the host's route back to it. */
function fromOutside(c: PathContext, t: Trail): Leg {
  const src = c.q.src.ip;
  const back = lookupRoute(c.view.routes, src);
  if (!back?.dev) return t.stop('routing', 'no-route-back', `the host has no route back to ${src}: no reply could leave`);
  t.pass(back.dev, `${src} comes in on ${back.dev} (where the host routes it)`);
  return arriveRouted(c, t, { ...firstPacket(c.q, src, c.q.dst.ip), in: back.dev }, null);
}
