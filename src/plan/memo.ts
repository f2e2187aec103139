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
 * find in a bridge's DNAT chain is kept by the chain's array (desire keeps an unchanged bridge's, and so does
 * parsing the rules observed, observe/firewall.ts), so an edit reads the chains it changed.
 */
export class HostCheckMemo {
  /** A chain's rules naming a port some socket holds, parsed; keyed by those ports. */
  readonly mentions = new Memo<readonly FwRule[], PublishedRule[]>();
  /** A chain's rules observed without this spec's comment, parsed; keyed by the spec's owner. */
  readonly others = new Memo<readonly FwRule[], PublishedRule[]>();
  readonly paths = new LastValue<TnetError[]>();
}
