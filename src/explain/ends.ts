// SRC and DST as words (a container, `host`, `outside`, an address; DST with :PORT[/PROTO]) resolved to ends.

import { fail, ok, tnetError, type Result } from '../model/errors.js';
import type { NetView, WhyEnd, WhyProto, WhyQuery } from '../model/why.js';
import { isIpv4 } from '../util/ipv4.js';
import { hostIsLocal, lookupRoute, mainAddress, sourceOn } from './host-net.js';

export interface Target {
  name: string;
  port: number | null;
  proto: WhyProto;
}

/** `DST[:PORT[/PROTO]]`: no port is an ICMP echo; a port is TCP unless `/udp`. null: not that form. */
export function parseTarget(word: string): Target | null {
  const m = /^([^:/\s]+)(?::(\d{1,5})(?:\/(tcp|udp))?)?$/.exec(word);
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { name: m[1], port, proto: port === null ? 'icmp' : ((m[3] as WhyProto | undefined) ?? 'tcp') };
}

export function resolveQuery(view: NetView, srcWord: string, dst: Target): Result<WhyQuery> {
  const src = resolveEnd(view, srcWord, null);
  if (!src.ok) return src;
  const to = resolveEnd(view, dst.name, src.value);
  if (!to.ok) return to;
  return ok({ src: src.value, dst: to.value, proto: dst.proto, port: dst.port });
}

/** `from`: the source, when resolving the destination (`host` is the address the source reaches it by). */
function resolveEnd(view: NetView, word: string, from: WhyEnd | null): Result<WhyEnd> {
  const name = view.aliases[word] ?? word;
  if (name === 'host') return ok({ kind: 'host', name: 'host', ip: hostAddress(view, from) ?? '127.0.0.1', spec: null });
  if (name === 'outside') return outside(view);
  if (isIpv4(name)) return ok(byAddress(view, name));
  const eps = view.endpoints.filter((e) => e.container === name);
  const specs = [...new Set(eps.map((e) => e.spec))];
  if (specs.length > 1) return fail(tnetError('invalid', `'${name}' is a container of specs ${specs.join(' and ')}`, { hint: 'name the spec with -f' }));
  if (eps.length === 0 && view.spec?.spec.containers[name]) return fail(tnetError('invalid', `containers.${name} has no network of its own (network: none): nothing reaches it, nor leaves it`));
  if (eps.length === 0) return fail(tnetError('invalid', `no container named '${name}' on this host`, { hint: 'give a container of the spec (-f), host, outside, or an address' }));
  // A container on several bridges: the address on the source's bridge, when it shares one.
  const near = from?.kind === 'container' ? eps.find((e) => view.endpoints.some((s) => s.container === from.name && s.bridge === e.bridge)) : undefined;
  const ep = near ?? eps[0];
  return ok({ kind: 'container', name, ip: ep.ip, spec: ep.spec });
}

function byAddress(view: NetView, ip: string): WhyEnd {
  const ep = view.endpoints.find((e) => e.ip === ip);
  if (ep) return { kind: 'container', name: ep.container, ip, spec: ep.spec };
  return hostIsLocal(view)(ip) ? { kind: 'host', name: 'host', ip, spec: null } : { kind: 'outside', name: ip, ip, spec: null };
}

/** The address beyond the host that stands for `outside`: the default route's gateway. */
function outside(view: NetView): Result<WhyEnd> {
  const via = view.routes.find((r) => r.dst === 'default')?.gateway;
  if (via) return ok({ kind: 'outside', name: 'outside', ip: via, spec: null });
  return fail(tnetError('invalid', 'this host has no default route, so `outside` names no address', { hint: 'give the outside address itself' }));
}

/** The host as the source reaches it: a container by its bridge's address, the outside by the address facing it. */
function hostAddress(view: NetView, from: WhyEnd | null): string | null {
  if (from?.kind === 'container') {
    const ep = view.endpoints.find((e) => e.container === from.name && e.ip === from.ip);
    return ep ? sourceOn(view.links, ep.bridge, ep.ip) : null;
  }
  if (from?.kind === 'outside') {
    const back = lookupRoute(view.routes, from.ip);
    if (back?.dev) return sourceOn(view.links, back.dev, back.gateway ?? from.ip);
  }
  return mainAddress(view);
}
