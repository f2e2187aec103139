// The reason attached to each desired rule: the spec field that writes it, for `tnet why` to name.

import type { CausedRule, CauseKind, FwRule, RuleCause } from '../../model/firewall.js';
import type { FwBridge, FwPort } from './input.js';

export const caused = (rule: FwRule, cause: RuleCause): CausedRule => ({ rule, cause });

/**
 * A bridge's field as the spec writes it (an overlay's bridge takes its fields from `overlays.<name>`); without
 * a key, the bridge itself: isolation and replies come from declaring it, not from one of its fields.
 */
export function bridgeCause(kind: CauseKind, b: Pick<FwBridge, 'name' | 'overlay'>, key?: string): RuleCause {
  const path = `${b.overlay ? 'overlays' : 'bridges'}.${b.name}`;
  return { kind, field: key ? `${path}.${key}` : path, bridge: b.name };
}

/** A published port, written back as `docker -p` would take it. */
export function portCause(bridge: string, container: string, p: FwPort): RuleCause {
  const port = `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}:${p.containerPort}/${p.proto}`;
  return { kind: 'published', field: `containers.${container}.ports`, bridge, container, port };
}

export const LAYOUT: RuleCause = { kind: 'layout', field: null };

/** A jump into a bridge's own chain of per-port rules: part of the layout; the rule inside decides. */
export const jumpCause = (bridge: string): RuleCause => ({ kind: 'layout', field: null, bridge });
