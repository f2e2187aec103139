// Renders link, address and route actions as `ip -batch` lines.

import type { Action, LinkSettings } from '../model/action.js';

/** The batch lines for one action; empty for actions that are not `ip`'s. */
export function ipLines(a: Action): string[] {
  switch (a.op) {
    case 'netns-add':
      return [`netns add ${a.name}`];
    case 'netns-del':
      return [`netns del ${a.name}`];
    case 'netns-mark':
      return [`link set dev lo up alias ${a.mark}`];
    // `link add` ignores `alias`: the mark needs its own `link set`.
    case 'bridge-add':
      return [
        `link add name ${a.name}${a.mac ? ` address ${a.mac}` : ''} mtu ${a.mtu} type bridge`,
        `link set dev ${a.name} alias ${a.mark}`,
      ];
    case 'veth-add':
      return [
        `link add name ${a.hostIf} mtu ${a.mtu} type veth peer name ${a.peer} mtu ${a.mtu} netns ${a.netns}`,
        `link set dev ${a.hostIf} alias ${a.mark}`,
      ];
    case 'vxlan-add':
      return [
        `link add name ${a.name} mtu ${a.mtu} type vxlan id ${a.vni} local ${a.local} dstport ${a.port} nolearning`,
        `link set dev ${a.name} alias ${a.mark}`,
      ];
    case 'uplink-attach':
      return [
        // The record first: should the batch stop halfway, the next run still knows what to give back.
        `link set dev ${a.uplink} alias ${a.record}`,
        ...a.take.map((c) => `addr del ${c} dev ${a.uplink}`),
        `link set dev ${a.uplink} master ${a.bridge} up`,
        ...a.addrs.map((c) => `addr replace ${c} brd + dev ${a.bridge}`),
        ...(a.via ? [`route replace default via ${a.via} dev ${a.bridge}`] : []),
      ];
    case 'uplink-detach':
      return [
        // Deleting the bridge releases its ports, and takes its addresses and routes with it.
        ...(a.deleteBridge ? [`link del dev ${a.bridge}`] : [`link set dev ${a.uplink} nomaster`, ...a.drop.map((c) => `addr del ${c} dev ${a.bridge}`)]),
        ...a.addrs.map((c) => `addr replace ${c} brd + dev ${a.uplink}`),
        ...(a.via ? [`route replace default via ${a.via} dev ${a.uplink}`] : []),
        `link set dev ${a.uplink} alias ""`,
      ];
    case 'link-set':
      return linkSet(a.dev, a.set);
    case 'link-del':
      return [`link del dev ${a.dev}`];
    case 'link-seal':
      return [`link set dev ${a.dev} alias ${a.alias}`];
    case 'addr-add':
      return [`addr add ${a.cidr} brd + dev ${a.dev}`];
    case 'addr-del':
      return [`addr del ${a.cidr} dev ${a.dev}`];
    case 'route-replace':
      return [`route replace ${a.dst}${a.via ? ` via ${a.via}` : ''} dev ${a.dev}`];
    case 'route-del':
      return [`route del ${a.dst}${a.dev ? ` dev ${a.dev}` : ''}`];
    default:
      return [];
  }
}

function linkSet(dev: string, s: LinkSettings): string[] {
  const parts = [`link set dev ${dev}`];
  if (s.master !== undefined) parts.push(s.master === null ? 'nomaster' : `master ${s.master}`);
  if (s.mtu !== undefined) parts.push(`mtu ${s.mtu}`);
  if (s.mac !== undefined) parts.push(`address ${s.mac}`);
  if (s.alias !== undefined) parts.push(`alias ${s.alias}`);
  if (s.ipv6 === false) parts.push('addrgenmode none');
  if (s.up !== undefined) parts.push(s.up ? 'up' : 'down');
  const lines = parts.length > 1 ? [parts.join(' ')] : [];
  // Bridge-port options need the port already enslaved, so they take a line of their own after it.
  if (s.hairpin !== undefined) lines.push(`link set dev ${dev} type bridge_slave hairpin ${s.hairpin ? 'on' : 'off'}`);
  return lines;
}
