// Small builders of desired and observed values for the planner's unit tests.

import type { DesiredState } from '../../src/model/desired.js';
import type { ObservedLink, ObservedNetns, ObservedState } from '../../src/model/observed.js';
import { parseMark } from '../../src/ownership/marks.js';
import { UNKNOWN_LIMITS } from '../../src/observe/limits.js';
import { NO_DNS } from '../../src/observe/dns.js';

export function emptyObserved(over: Partial<ObservedState> = {}): ObservedState {
  return { links: [], nsids: {}, routes: [], fdb: [], ipForward: true, netns: {}, files: {}, fileDirs: [], paths: {}, intents: {}, firewall: null, listening: [], limits: UNKNOWN_LIMITS, dns: NO_DNS, ...over };
}

export function link(over: Partial<ObservedLink> & { name: string }): ObservedLink {
  const l = {
    ifindex: 1, kind: '', up: true, mtu: 1500, mac: '00:00:00:00:00:00', alias: null, master: null,
    peerIfindex: null, peerNetnsId: null, addrs: [], hairpin: null, group: 0, ...over,
  };
  // The mark is always the alias's, as observe reads it: a test that changes the alias changes the owner.
  return { ...l, owner: parseMark(l.alias) };
}

export function netns(over: Partial<ObservedNetns> & { name: string }): ObservedNetns {
  return { id: `4:${over.name.length + 100}`, read: true, mark: null, links: [link({ name: 'lo', ifindex: 1 })], routes: [], ...over };
}

export function desired(over: Partial<DesiredState> = {}): DesiredState {
  return { spec: 'q', ipForward: null, bridges: [], vxlans: [], netns: [], endpoints: [], files: [], fileDirs: [], firewall: null, dns: null, ...over };
}
