// The reply's way back: conntrack knows the connection (ESTABLISHED, and DNAT/SNAT when translated), so
// only the filter table sees it, at the hooks the request met in reverse.

import type { Hop } from '../model/why.js';
import { isLoopback } from './host-net.js';
import type { Packet } from './match.js';
import { localnetOn } from './path-host.js';
import { Trail, type Flow, type PathContext } from './trail.js';

export function replyLeg(c: PathContext, f: Flow): Hop[] {
  const t = new Trail(c);
  // Un-masqueraded already (PREROUTING), not yet un-DNATed (POSTROUTING): from the DNAT target to the original source.
  const p: Packet = {
    src: f.dst,
    dst: f.src,
    proto: c.q.proto,
    sport: f.dport,
    dport: null,
    in: '',
    out: '',
    ct: ['ESTABLISHED', ...(f.dnat ? ['DNAT'] : []), ...(f.snat ? ['SNAT'] : [])],
    first: false,
  };
  if (f.kind === 'bridged' && c.view.firewall?.sysctls['net.bridge.bridge-nf-call-iptables'] !== '1') return [];
  if (f.kind === 'bridged' || f.kind === 'forward') t.hook('filter', 'FORWARD', { ...p, in: f.out, out: f.in });
  else if (f.kind === 'in') t.hook('filter', 'OUTPUT', { ...p, out: f.in });
  else if (f.kind === 'local') {
    if (t.hook('filter', 'OUTPUT', { ...p, out: 'lo' }).outcome !== 'drop') t.hook('filter', 'INPUT', { ...p, in: 'lo' });
  } else if (f.kind === 'out') {
    if (isLoopback(p.dst) && !localnetOn(c, f.out)) t.stop('routing', 'martian', `the reply to ${p.dst} comes in on ${f.out}, which has route_localnet off: dropped as a martian`);
    else t.hook('filter', 'INPUT', { ...p, in: f.out });
  }
  return t.hops;
}
