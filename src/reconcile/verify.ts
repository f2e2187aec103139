// After an apply: what it touched read again and planned again: the kernel must hold what was asked.

import { isDnsAction, type Action } from '../model/action.js';
import { IPV6_FORWARD, type DesiredState } from '../model/desired.js';
import { TnetFailure, tnetError, type TnetError } from '../model/errors.js';
import type { ObservedState } from '../model/observed.js';
import { enterAgain, observeAgain } from '../observe/observe.js';
import { plan } from '../plan/plan.js';
import { touchedNamespaces } from '../plan/residue.js';
import { vouched } from '../plan/vouch.js';
import { describe } from '../actuate/link-ops.js';
import type { SettledPart } from '../actuate/apply.js';
import { deferred } from '../util/deferred.js';
import type { FirewallGlue } from './firewall.js';

/**
 * The kernel may accept a command and still not hold its result (a setting it clamps or resets, an address a
 * link drops, a route that goes with it). Only what the actions touched is read again, the rest of `before`
 * stands, so a large apply stays fast:
 * - links, addresses and routes of the host; switches; forwarding entries, each when touched;
 * - the namespaces the apply entered, except those whose host veth now carries the seal the spec asks for: a
 *   seal vouches once every step went through (set after the inside, or with a new namespace's veth under
 *   its intent, dropped by then), as a re-apply trusts it (`--deep` enters all);
 * - not the rules: iptables-restore commits a table atomically, so its success means the kernel holds it;
 * - not the files: a write that returned holds its text (no kernel clamps a file), so they are taken as the
 *   apply left them; reading back two per container took the cores from the namespaces being configured.
 *
 * Each part is read as soon as the apply is done with it (actuate/apply.ts says when): the host side once no
 * step left changes it, the DNS state once the DNS step went through. Both are read, and the plan made again,
 * while the insides of the namespaces are configured, a wait of the kernel's that leaves the cores mostly idle;
 * only namespaces the check must enter wait for the apply's end. The intents this apply records are left out
 * of the host's read: they are dropped before the check counts, and only an apply that went through is checked.
 */
export class AppliedCheck {
  readonly #host = deferred<void>();
  readonly #dns = deferred<void>();
  readonly #prepared: Promise<Prepared>;

  constructor(readonly actions: readonly Action[], readonly desired: DesiredState, readonly before: ObservedState, readonly fw: FirewallGlue | null) {
    // Only rules changed (a port edit, say): nothing to read again, and a plan from the same reads says nothing.
    this.#prepared = actions.every((a) => a.op === 'fw-update') ? Promise.resolve({ enter: new Set(), observed: before, missing: [] }) : this.#prepare();
    this.#prepared.catch(() => undefined);
  }

  /** The apply is done with this part: the check may read it. */
  settled(part: SettledPart): void {
    (part === 'host' ? this.#host : this.#dns).resolve();
  }

  /** Once the apply went through: empty when all is as desired. */
  async result(): Promise<TnetError[]> {
    // Told or not, every part is settled now.
    this.settled('host');
    this.settled('dns');
    const { enter, observed, missing } = await this.#prepared;
    if (enter.size === 0) return unverified(missing);
    const again = plan(this.desired, await enterAgain(observed, enter));
    return again.ok ? unverified(again.value) : again.errors;
  }

  async #prepare(): Promise<Prepared> {
    const { actions, desired } = this;
    const { observed, trusted } = vouchedFor(desired, await this.#read());
    const enter = new Set(touchedNamespaces(actions).filter((n) => !trusted.has(n) && observed.netns[n]));
    if (enter.size > 0) return { enter, observed, missing: [] };
    const again = plan(desired, observed);
    if (!again.ok) throw new TnetFailure(again.errors);
    return { enter, observed, missing: again.value };
  }

  /** The host side once it is settled, then the DNS state once that is, with the switches the apply set. */
  async #read(): Promise<ObservedState> {
    const { actions, before, fw } = this;
    await this.#host.promise;
    const host = await readHostAgain(actions, before);
    const dns = actions.some(isDnsAction);
    if (dns) await this.#dns.promise;
    const read = dns ? await observeAgain(host, { kernel: false, firewall: null, files: false, fdb: false, dns, enter: new Set() }) : host;
    const switches = fw && actions.some((a) => a.op === 'sysctl') && before.firewall ? { ...before.firewall, sysctls: fw.switches() } : before.firewall;
    return { ...read, firewall: switches };
  }
}

/** The namespaces a seal vouches for, trusted as planning trusts them: not read, with the mark the seal vouches for. */
function vouchedFor(desired: DesiredState, observed: ObservedState): { observed: ObservedState; trusted: ReadonlyMap<string, string> } {
  const ids = new Map(Object.values(observed.netns).map((n) => [n.name, n.id]));
  const trusted = vouched(desired, observed, ids);
  const netns = Object.fromEntries(
    Object.entries(observed.netns).map(([name, n]) => {
      const mark = trusted.get(name);
      return [name, mark === undefined ? n : { ...n, read: false, mark, links: [], routes: [] }];
    }),
  );
  return { observed: { ...observed, netns }, trusted };
}

/** What the check read while the apply went on, and when it entered no namespace, what is still to do. */
interface Prepared {
  enter: ReadonlySet<string>;
  observed: ObservedState;
  missing: Action[];
}

/** The actions a plan from the state read after the apply still holds, as the check's error. */
function unverified(actions: readonly Action[]): TnetError[] {
  // The rules were not read again: a firewall update planned from the old ones says nothing.
  const missing = actions.filter((a) => a.op !== 'fw-update');
  if (missing.length === 0) return [];
  const shown = missing.slice(0, 5).map((a) => describe(a));
  const more = missing.length > shown.length ? `, and ${missing.length - shown.length} more` : '';
  return [tnetError('unverified', `the host does not hold what the apply asked: still to do ${shown.join('; ')}${more}`, {
    hint: 'something changed it back as it was applied (another tool, the kernel refusing a setting silently)',
  })];
}

/**
 * Whether an action changes what the kernel view holds (links, addresses, routes, namespaces, nsids and
 * ip_forward, which is read with the host's links: observe/host.ts); rules, files, the other switches and
 * the fdb are read apart.
 */
export function touchesKernelView(a: Action): boolean {
  return a.op === 'sysctl' ? a.key === 'net.ipv4.ip_forward' || a.key === IPV6_FORWARD : !['file-write', 'dir-remove', 'fw-update', 'fdb-add', 'fdb-del'].includes(a.op) && !isDnsAction(a);
}

/** The host side of the check: what the actions touched of links, addresses, routes, nsids and the fdb; the files as written. */
async function readHostAgain(actions: readonly Action[], before: ObservedState): Promise<ObservedState> {
  const has = (...ops: Action['op'][]) => actions.some((a) => ops.includes(a.op));
  const own = new Set(actions.flatMap((a) => (a.op === 'netns-mark' ? [a.name] : [])));
  const host = await observeAgain(before, { kernel: actions.some(touchesKernelView), firewall: null, files: false, fdb: has('fdb-add', 'fdb-del'), dns: false, enter: new Set(), intentsExcept: own });
  return has('file-write', 'dir-remove') ? { ...host, ...filesAfter(actions, before) } : host;
}

/** The files under /etc/netns as the apply left them: `before` with the folders it removed gone and the files it wrote. */
export function filesAfter(actions: readonly Action[], before: Pick<ObservedState, 'files' | 'fileDirs'>): Pick<ObservedState, 'files' | 'fileDirs'> {
  // The files read are those right inside each folder (observe/files.ts): a file is gone with its folder.
  const removed = new Set(actions.flatMap((a) => (a.op === 'dir-remove' ? [a.path] : [])));
  const folderOf = (path: string) => path.slice(0, path.lastIndexOf('/'));
  const files: Record<string, string> = {};
  for (const [path, content] of Object.entries(before.files)) if (!removed.has(folderOf(path))) files[path] = content;
  const dirs = new Set(before.fileDirs.filter((d) => !removed.has(d)));
  for (const a of actions) {
    if (a.op !== 'file-write') continue;
    files[a.path] = a.content;
    dirs.add(folderOf(a.path));
  }
  return { files, fileDirs: [...dirs].sort() };
}
