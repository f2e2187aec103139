// What the planner remembers between the passes of one process: each diff's last inputs and result.

import type { Action } from '../model/action.js';
import type { TnetError } from '../model/errors.js';
import { LastValue } from '../util/last-value.js';
import { Memo } from '../util/memo.js';
import type { FwRule } from '../model/firewall.js';
import type { PublishedRule } from '../observe/published.js';
import type { NetnsDiff } from './diff-netns.js';
import { FirewallPlanMemo } from './diff-firewall.js';
import type { UplinkDiff } from './diff-uplinks.js';
import type { LinksByName } from './links-by-name.js';

/**
 * An edit of one container's ports changes the rules and nothing a diff of namespaces, files or links reads:
 * those are skipped whole while their inputs are the objects they were (desire keeps an unchanged
 * container's namespace, endpoints and files the same objects, util/memo.ts; watch mode keeps its view of
 * the host). Each slot lists exactly what its diff reads. A one-shot command plans without one.
 */
export class PlanMemo {
  readonly netns = new LastValue<NetnsDiff>();
  readonly files = new LastValue<{ actions: Action[]; errors: TnetError[] }>();
  readonly byName = new LastValue<LinksByName>();
  readonly hostLinks = new LastValue<TnetError[]>();
  readonly innerNames = new LastValue<TnetError[]>();
  readonly veths = new LastValue<number>();
  readonly uplinks = new LastValue<UplinkDiff>();
  readonly prune = new LastValue<Action[]>();
  readonly links = new LastValue<Action[]>();
  readonly host = new HostCheckMemo();
  readonly firewall = new FirewallPlanMemo();
}

/**
 * The checks of published ports read every DNAT rule, wanted and observed: ten thousand of each. What they
 * find in a bridge's DNAT chain is kept by the chain's array (desire keeps an unchanged bridge's), what they
 * find among the rules observed while those are the same, so an edit reads the chain it changed.
 */
export class HostCheckMemo {
  /** A chain's rules naming a port some socket holds, parsed; keyed by those ports. */
  readonly mentions = new Memo<readonly FwRule[], PublishedRule[]>();
  /** The rules observed naming such a port, parsed, of both families. */
  readonly observedMentions = new LastValue<PublishedRule[]>();
  /** Other specs' published ports, observed. */
  readonly others = new LastValue<PublishedRule[]>();
  readonly paths = new LastValue<TnetError[]>();
}
