// Spec + allocation → DesiredState: the bridges, namespaces, veth pairs and files the kernel should hold.

import type { DesiredBridge, DesiredEndpoint, DesiredFile, DesiredNetns, DesiredState } from '../model/desired.js';
import type { FirewallDesired } from '../model/firewall.js';
import type { ContainerSpec, Spec } from '../model/spec.js';
import { ETC_NETNS } from '../observe/paths.js';
import { parseCidr } from '../util/ipv4.js';
import type { Allocation } from './allocate.js';
import { hostIfName, macForIp, mark, sealAlias } from './marks.js';
import { hostsFile, resolvConf } from './netns-files.js';

export interface DesiredInputs {
  spec: Spec;
  alloc: Allocation;
  hostResolv: string;
  firewall: FirewallDesired | null;
}

export function buildDesired({ spec, alloc, hostResolv, firewall }: DesiredInputs): DesiredState {
  const containers = Object.values(spec.containers);
  const withNetns = containers.filter((c) => c.network.kind !== 'host');
  return {
    spec: spec.name,
    ipForward: spec.host.ipForward ? true : null,
    bridges: Object.values(spec.bridges).map((b) => bridge(spec.name, b)),
    netns: withNetns.map((c) => netns(spec, c)),
    endpoints: containers.flatMap((c) => endpoint(spec, c, alloc)),
    files: withNetns.flatMap((c) => files(spec, c, alloc, hostResolv)),
    fileDirs: withNetns.map((c) => `${ETC_NETNS}/${c.name}`),
    firewall,
  };
}

function bridge(spec: string, b: Spec['bridges'][string]): DesiredBridge {
  const prefix = parseCidr(b.subnet)!.prefix;
  return {
    name: b.name,
    owned: !b.external,
    mark: mark(spec, 'bridge', b.name),
    // A pinned MAC keeps the gateway's ARP entry valid in every container when ports come and go.
    mac: macForIp(b.gateway),
    mtu: b.mtu,
    address: `${b.gateway}/${prefix}`,
    subnet: b.subnet,
  };
}

/** container:X chains end at the container whose namespace they all share. */
export function rootOf(spec: Spec, c: ContainerSpec): ContainerSpec {
  let cur = c;
  while (cur.network.kind === 'container') cur = spec.containers[cur.network.target];
  return cur;
}

function netns(spec: Spec, c: ContainerSpec): DesiredNetns {
  if (c.network.kind === 'container') return { name: c.name, kind: 'alias', target: rootOf(spec, c).name };
  if (c.netns) return { name: c.name, kind: 'attached', mark: mark(spec.name, 'netns-attached', c.name), source: c.netns };
  return { name: c.name, kind: 'created', mark: mark(spec.name, 'netns', c.name) };
}

function endpoint(spec: Spec, c: ContainerSpec, alloc: Allocation): DesiredEndpoint[] {
  if (c.network.kind !== 'bridge') return [];
  const b = spec.bridges[c.network.bridge];
  const ip = alloc.ips[c.name];
  const e = {
    container: c.name,
    netns: c.name,
    hostIf: hostIfName(spec.name, c.name, b.name),
    ifname: 'eth0',
    bridge: b.name,
    address: `${ip}/${parseCidr(b.subnet)!.prefix}`,
    gateway: b.gateway,
    mac: c.mac ?? macForIp(ip),
    mtu: c.mtu ?? b.mtu,
    mark: mark(spec.name, 'veth', c.name),
    // Docker gives containers on an internal network no way out, not even a default route.
    defaultRoute: !b.internal,
  };
  const ns = netns(spec, c);
  const inside = [ns, e.ifname, e.address, e.gateway, e.mac, e.mtu, e.defaultRoute];
  return [{ ...e, seal: sealAlias(e.mark, e.address, ns.kind === 'attached' ? 'netns-attached' : 'netns', inside) }];
}

/** The address another container reaches this one at, following container:X to the namespace's owner. */
function addressOf(spec: Spec, c: ContainerSpec, alloc: Allocation): string | null {
  return alloc.ips[rootOf(spec, c).name] ?? null;
}

function files(spec: Spec, c: ContainerSpec, alloc: Allocation, hostResolv: string): DesiredFile[] {
  // container:X shares X's namespace, and with it X's view of names, as Docker does.
  const owner = rootOf(spec, c);
  const dir = `${ETC_NETNS}/${c.name}`;
  const hosts = hostsFile({
    mark: mark(spec.name, 'files', c.name),
    ip: addressOf(spec, owner, alloc),
    hostname: owner.hostname,
    extraHosts: owner.extraHosts,
    links: owner.links.map((l) => {
      const t = spec.containers[l.target];
      return { ip: addressOf(spec, t, alloc) ?? '', alias: l.alias, name: t.name, hostname: rootOf(spec, t).hostname };
    }),
  });
  const resolv = resolvConf({ dns: owner.dns, search: owner.dnsSearch, options: owner.dnsOptions, hostResolv });
  return [
    { path: `${dir}/hosts`, content: hosts },
    { path: `${dir}/resolv.conf`, content: resolv },
  ];
}
