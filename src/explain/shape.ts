// The cause of a tnet rule read from its chain and shape: for rules of a spec not given with -f, whose
// fields cannot be regenerated. The layout drawn in desired/firewall/rules.ts is what it reads back.

import type { CauseKind, RuleCause } from '../model/firewall.js';
import type { WhyEndpoint } from '../model/why.js';
import { baseChain, CHAIN, parseBridgeChain } from '../ownership/chains.js';
import type { Match, MatchKind, ParsedRule } from './rule-parse.js';

export function causeByShape(chain: string, r: ParsedRule, endpoints: readonly WhyEndpoint[]): RuleCause {
  const get = (k: MatchKind): Match | undefined => r.matches.find((m) => m.kind === k);
  const byIp = (m: Match | undefined) => endpoints.find((e) => m && e.ip === m.value.replace(/\/32$/, ''))?.container;
  const bridge = (kind: CauseKind, br: Match | undefined, key?: string): RuleCause => {
    const name = br?.value ?? '?';
    return { kind, field: `bridges.${name}${key ? `.${key}` : ''}`, bridge: name };
  };
  const [inIf, outIf, src, dst] = [get('in'), get('out'), get('src'), get('dst')];
  const proto = get('proto')?.value ?? 'tcp';
  // A jump into a bridge's chain of per-port rules: layout; the rule inside names the port.
  const into = r.target === null ? null : parseBridgeChain(r.target);
  if (into) return { kind: 'layout', field: null, bridge: into.bridge };
  switch (baseChain(chain)) {
    case CHAIN.isolation1:
      return r.target === 'DROP' ? bridge('internal', outIf ?? inIf, 'internal') : bridge('isolation', inIf);
    case CHAIN.isolation2:
      return bridge('isolation', outIf);
    case CHAIN.forward:
      return forwardShape();
    case CHAIN.input:
      return get('dport') ? bridge('dns', inIf, 'dns') : bridge('loopback', inIf);
    case CHAIN.dnat:
      return published(byIp({ kind: 'dst', neg: false, value: (r.options['to-destination'] ?? '').split(':')[0], module: '' }), dnatPort());
    case CHAIN.postrouting:
      if (src?.value === '127.0.0.0/8') return bridge('loopback', outIf);
      if (dst) return published(byIp(dst), `${get('dport')?.value}/${proto}`);
      return { kind: 'masquerade', field: 'host.ipMasq', bridge: outIf?.value ?? '?' };
    default:
      return { kind: 'layout', field: null };
  }

  function forwardShape(): RuleCause {
    const ct = get('ctstate')?.value;
    if (ct === 'RELATED,ESTABLISHED') return bridge('established', outIf);
    if (ct === 'DNAT') return bridge('hairpin', outIf, 'icc');
    if (src && dst) return linkShape(src, dst);
    if (dst && inIf?.neg) return published(byIp(dst), `${get('dport')?.value}/${proto}`);
    if (outIf?.neg) return bridge('out', inIf, 'internal');
    return bridge('icc', outIf, 'icc');
  }

  /** b → a, or a's replies to b (`--sport`): the link is b's either way. */
  function linkShape(s: Match, d: Match): RuleCause {
    const reply = Boolean(get('sport'));
    const [from, to] = reply ? [byIp(d), byIp(s)] : [byIp(s), byIp(d)];
    const port = get('dport') ?? get('sport');
    return { kind: 'link', field: `containers.${from ?? '?'}.links`, bridge: outIf?.value, container: from, peer: to, ...(port ? { port: `${port.value}/${proto}` } : {}) };
  }

  function published(container: string | undefined, port: string): RuleCause {
    return { kind: 'published', field: `containers.${container ?? '?'}.ports`, container, port };
  }

  function dnatPort(): string {
    const hostIp = dst ? `${dst.value.replace(/\/32$/, '')}:` : '';
    return `${hostIp}${get('dport')?.value}:${(r.options['to-destination'] ?? '').split(':')[1]}/${proto}`;
  }
}
