// The nat table's per-spec rules: DNAT for published ports, masquerade out, hairpin and loopback masquerade.
// Each rule comes with its cause (the spec field that writes it); the rule text is all the kernel sees.

import type { CausedRule } from '../../model/firewall.js';
import { ruleText } from './rule-text.js';
import { reachesLoopback, type BridgeView } from './view.js';
import { bridgeCause, caused, jumpCause } from './cause.js';
import { bridgeChain, CHAIN } from '../../ownership/chains.js';

/** TNET: one jump per bridge that publishes ports, into the chain of that bridge's DNATs (in the same order). */
export function dnatChains(views: BridgeView[], comment: string): Record<string, CausedRule[]> {
  const out: Record<string, CausedRule[]> = { [CHAIN.dnat]: [] };
  for (const v of views) {
    if (v.published.length === 0) continue;
    const chain = bridgeChain('dnat', v.bridge.name);
    out[CHAIN.dnat].push(caused(ruleText({ comment, target: chain }), jumpCause(v.bridge.name)));
    out[chain] = v.dnat;
  }
  return out;
}

/** TNET-POSTROUTING, and the chain of each bridge whose containers may reach their own ports. */
export function postroutingChains(views: BridgeView[], ipMasq: boolean, comment: string): Record<string, CausedRule[]> {
  const out: CausedRule[] = [];
  const chains: Record<string, CausedRule[]> = {};
  for (const v of views) {
    const br = v.bridge.name;
    if (ipMasq && !v.bridge.internal) {
      out.push(caused(ruleText({ src: v.bridge.subnet, out: { not: br }, comment, target: 'MASQUERADE' }), { kind: 'masquerade', field: 'host.ipMasq', bridge: br }));
    }
    const hairpin = v.hairpin;
    if (hairpin.length) {
      // Out of the bridge they came in by: the chain of the bridge's own (ownership/chains.ts, BRIDGE_CHAIN).
      chains[bridgeChain('hairpin', br)] = hairpin;
      out.push(caused(ruleText({ out: br, comment, target: bridgeChain('hairpin', br) }), jumpCause(br)));
    }
    // Host → 127.x:port DNATed onto the bridge keeps source 127.0.0.1, which the container cannot answer.
    if (v.family === 4 && v.published.some((p) => reachesLoopback(p.port.hostIp))) {
      out.push(caused(ruleText({ src: '127.0.0.0/8', out: br, comment, target: 'MASQUERADE' }), bridgeCause('loopback', v.bridge)));
    }
  }
  return { [CHAIN.postrouting]: out, ...chains };
}
