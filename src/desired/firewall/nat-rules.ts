// The nat table's per-spec rules: DNAT for published ports, masquerade out, hairpin and loopback masquerade.

import type { FwRule } from '../../model/firewall.js';
import { host, hostPort, ruleText } from './rule-text.js';
import { reachesLoopback, type BridgeView, type Published } from './view.js';

function dnat(p: Published, comment: string): FwRule {
  const { port, container } = p;
  return ruleText({
    // Every local address, 127.x included (route_localnet on the bridge carries it there), ::1 not (the jumps skip it).
    dst: port.hostIp === null ? undefined : host(port.hostIp),
    proto: port.proto,
    dport: port.hostPort,
    comment,
    target: `DNAT --to-destination ${hostPort(container.ip, port.containerPort)}`,
  });
}

/** A container reaching its own published port: it must see the reply come from elsewhere than itself. */
function hairpinMasquerade(p: Published, comment: string): FwRule {
  const ip = host(p.container.ip);
  return ruleText({ src: ip, dst: ip, proto: p.port.proto, dport: p.port.containerPort, comment, target: 'MASQUERADE' });
}

export function dnatRules(views: BridgeView[], comment: string): FwRule[] {
  return views.flatMap((v) => v.published.map((p) => dnat(p, comment)));
}

export function postroutingRules(views: BridgeView[], ipMasq: boolean, comment: string): FwRule[] {
  const out: FwRule[] = [];
  for (const v of views) {
    const br = v.bridge.name;
    if (ipMasq && !v.bridge.internal) {
      out.push(ruleText({ src: v.bridge.subnet, out: { not: br }, comment, target: 'MASQUERADE' }));
    }
    out.push(...unique(v.published.map((p) => hairpinMasquerade(p, comment))));
    // Host → 127.x:port DNATed onto the bridge keeps source 127.0.0.1, which the container cannot answer.
    if (v.family === 4 && v.published.some((p) => reachesLoopback(p.port.hostIp))) {
      out.push(ruleText({ src: '127.0.0.0/8', out: br, comment, target: 'MASQUERADE' }));
    }
  }
  return out;
}

const unique = (rules: FwRule[]): FwRule[] => [...new Set(rules)];
