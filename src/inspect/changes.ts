// Which actions of a plan concern one container or one bridge: what apply would do to it.
// Firewall updates are one per table, for every object at once: a container's ports are compared apart.

import type { Action } from '../model/action.js';
import { ETC_NETNS } from '../ownership/paths.js';
import { vxlanName } from '../ownership/marks.js';

/** The container whose namespace is `netns`, with the host ends of its veths. */
export function concernsContainer(a: Action, netns: string, hostVeths: ReadonlySet<string>): boolean {
  const dir = `${ETC_NETNS}/${netns}`;
  switch (a.op) {
    case 'netns-add':
    case 'netns-attach':
    case 'netns-del':
    case 'netns-mark':
      return a.name === netns;
    case 'veth-add':
      return a.netns === netns || hostVeths.has(a.hostIf);
    case 'link-reap':
    case 'link-seal':
      return a.netns === netns || hostVeths.has(a.dev);
    case 'file-write':
    case 'dir-remove':
      return a.path === dir || a.path.startsWith(`${dir}/`);
    case 'link-set':
    case 'link-del':
    case 'addr-add':
    case 'addr-del':
    case 'route-replace':
    case 'route-del':
      return a.ns === netns || (a.ns === null && a.dev !== null && hostVeths.has(a.dev));
    case 'sysctl':
      return a.ns === netns;
    default:
      return false;
  }
}

/** The bridge `name`, its VXLAN device when it is an overlay's, and its uplink. */
export function concernsBridge(a: Action, name: string): boolean {
  const vx = vxlanName(name);
  switch (a.op) {
    case 'bridge-add':
    case 'vxlan-add':
      return a.name === name || a.name === vx;
    case 'uplink-attach':
    case 'uplink-detach':
      return a.bridge === name;
    case 'fdb-add':
    case 'fdb-del':
      return a.dev === vx;
    case 'link-set':
    case 'link-del':
    case 'addr-add':
    case 'addr-del':
    case 'route-replace':
    case 'route-del':
      return a.ns === null && (a.dev === name || a.dev === vx);
    case 'sysctl':
      // Per-bridge switches: net.ipv4.conf.<bridge>.route_localnet.
      return a.ns === null && a.key.split('.').includes(name);
    default:
      return false;
  }
}
