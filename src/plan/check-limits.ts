// Checks the plan against the kernel's limits before any action: what would otherwise fail halfway, or silently after.

import type { DesiredState } from '../model/desired.js';
import { tnetError, type TnetError } from '../model/errors.js';
import { IP_OWN_FILES, type HostLimits, type ObservedState } from '../model/observed.js';
import type { InotifyUse } from '../observe/limits.js';

/** Suggested values are rounded up to a multiple of this, and so keep some room for what grows next. */
const STEP = 1024;
const roundUp = (n: number, step = STEP): number => Math.ceil(n / step) * step;
const KEEP = 'and in /etc/sysctl.d/ to keep it across reboots';

/** What the plan adds that counts against a limit. */
export interface Adds {
  /** Namespaces created. */
  netns: number;
  /** Veths created with their peer in a namespace: one `netns NAME` each in the host's `ip -batch`. */
  veths: number;
}

export function checkLimits(desired: DesiredState, observed: ObservedState, adds: Adds): TnetError[] {
  const l = observed.limits;
  return [
    ...checkNeighbours(desired, l),
    ...(adds.netns > 0 ? [...checkNamespaces(observed, l, adds.netns), ...checkMounts(l, adds.netns)] : []),
    ...checkOpenFiles(l, adds.veths),
  ];
}

/**
 * Each endpoint costs about two IPv4 neighbour entries: the host's for the container on its bridge, the
 * container's for its gateway (more when containers talk to each other). The table is one for the whole
 * machine, every namespace's entries counted together, so past gc_thresh3 an apply still succeeds and then
 * traffic fails ("neighbour table overflow"): refused here instead. Entries of other specs and of the host's
 * own traffic are not counted: the check is a floor, not a guarantee.
 */
export function neighboursNeeded(desired: DesiredState): number {
  return 2 * desired.endpoints.length;
}

function checkNeighbours(desired: DesiredState, l: HostLimits): TnetError[] {
  const need = neighboursNeeded(desired);
  if (l.neighbours === null || need <= l.neighbours) return [];
  const t2 = roundUp(need);
  return [tnetError('host-limit', `${desired.endpoints.length} endpoints need about ${need} IPv4 neighbour entries (the host's for each container, each container's for its gateway), more than net.ipv4.neigh.default.gc_thresh3 = ${l.neighbours} allows for all namespaces of this machine together: traffic would fail with "neighbour table overflow"`, {
    path: 'containers',
    hint: `raise the limit first: sysctl -w net.ipv4.neigh.default.gc_thresh2=${t2} net.ipv4.neigh.default.gc_thresh3=${2 * t2} (${KEEP}), or spread the containers over more hosts`,
  })];
}

/**
 * Past the limit `ip netns add` fails with ENOSPC, halfway. What exists is a lower bound (observe/limits.ts:
 * the named namespaces and those of processes; never fewer than the named ones observed).
 */
function checkNamespaces(observed: ObservedState, l: HostLimits, created: number): TnetError[] {
  const existing = Math.max(l.netnsInUse ?? 0, Object.keys(observed.netns).length);
  if (l.netns === null || existing + created <= l.netns) return [];
  return [tnetError('host-limit', `the plan creates ${created} network namespaces where ${existing} exist already, more than user.max_net_namespaces = ${l.netns} allows: creating them would fail halfway ("No space left on device")`, {
    path: 'containers',
    hint: `raise the limit first: sysctl -w user.max_net_namespaces=${roundUp(existing + created)} (${KEEP}), or remove namespaces no longer used`,
  })];
}

/**
 * Each named namespace is a bind mount under /run/netns (one mount in this mount namespace, measured; a
 * mount namespace receiving them by propagation pays its own), and the first one mounts /run/netns itself.
 */
function checkMounts(l: HostLimits, created: number): TnetError[] {
  if (l.mountMax === null || l.mounts === null) return [];
  const after = l.mounts + created + (l.netnsDirMounted ? 0 : 1);
  if (after <= l.mountMax) return [];
  return [tnetError('host-limit', `the plan creates ${created} network namespaces, each a bind mount under /run/netns: with the ${l.mounts} mounts there are now, that is ${after}, more than fs.mount-max = ${l.mountMax} allows: creating them would fail halfway`, {
    path: 'containers',
    hint: `raise the limit first: sysctl -w fs.mount-max=${roundUp(after, 10_000)} (${KEEP}), or remove namespaces no longer used`,
  })];
}

/**
 * iproute2 keeps the file of every namespace a batch names open until it exits, and the host's batch names
 * one per veth it creates. tnet raises the soft limit to the hard one for it (actuate/ip-batch.ts); past the
 * hard one it would fail halfway ("Too many open files").
 */
function checkOpenFiles(l: HostLimits, veths: number): TnetError[] {
  const need = veths + IP_OWN_FILES;
  if (l.openFiles === null || veths === 0 || need <= l.openFiles) return [];
  return [tnetError('host-limit', `the plan creates ${veths} veths in namespaces in one \`ip -batch\`, which holds a file open for each: ${need} open files, more than this process's hard limit (RLIMIT_NOFILE) of ${l.openFiles} allows`, {
    path: 'containers',
    hint: `raise tnet's hard limit of open files to ${roundUp(need)} or more (\`ulimit -n ${roundUp(need)}\` as root before running it, LimitNOFILE= in its systemd unit), or apply the containers in smaller steps`,
  })];
}

/** What `tnet watch` will ask of inotify: watches (the spec's folder, /etc/netns and each folder there), and one instance. */
export interface WatchNeeds {
  watches: number;
  instances: number;
  /** The folders under /etc/netns among the watches, named in the message. */
  folders: number;
}

/**
 * Out of watches, a folder under /etc/netns would go unwatched and its files be read afresh on every
 * reconcile; out of instances, nothing could be watched at all. Refused at start instead, with the number.
 */
export function checkWatches(use: InotifyUse, need: WatchNeeds): TnetError[] {
  const errors: TnetError[] = [];
  if (use.maxWatches !== null && use.watches + need.watches > use.maxWatches) {
    errors.push(tnetError('host-limit', `tnet watch needs ${need.watches} inotify watches (the spec, /etc/netns and its ${need.folders} folders) and this user's processes hold ${use.watches} already, more than fs.inotify.max_user_watches = ${use.maxWatches} allows`, {
      hint: `raise the limit first: sysctl -w fs.inotify.max_user_watches=${roundUp(use.watches + need.watches + STEP)} (${KEEP})`,
    }));
  }
  if (use.maxInstances !== null && use.instances + need.instances > use.maxInstances) {
    errors.push(tnetError('host-limit', `tnet watch needs ${need.instances} inotify instance and this user's processes hold ${use.instances} already, as many as fs.inotify.max_user_instances = ${use.maxInstances} allows`, {
      hint: `raise the limit first: sysctl -w fs.inotify.max_user_instances=${use.maxInstances * 2} (${KEEP}), or stop what holds them`,
    }));
  }
  return errors;
}
