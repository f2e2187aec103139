// Several simulated hosts, each a Sandbox, joined by an underlay: a bridge in one more Sandbox, a veth to each host.

import { Sandbox } from './sandbox.js';

/** Host i (from 1) is 198.18.1.i on its `eth1`; the underlay's router is 198.18.1.254 (RFC 2544 space). */
export const underlayIp = (i: number): string => `198.18.1.${i}`;
export const ROUTER_IP = '198.18.1.254';

export interface Hosts {
  underlay: Sandbox;
  hosts: Sandbox[];
  destroy(): Promise<void>;
}

/**
 * `n` hosts, each with eth1 on one layer-2 underlay and a default route via the router, as machines on a LAN.
 * Each veth is made in the underlay's namespace with its peer moved into the host's (`netns /proc/<pid>/ns/net`).
 */
export async function createHosts(n: number): Promise<Hosts> {
  const underlay = await Sandbox.create();
  const hosts = await Promise.all(Array.from({ length: n }, () => Sandbox.create()));
  await underlay.must(`set -e
ip link add ul type bridge
ip addr add ${ROUTER_IP}/24 dev ul
ip link set ul up`);
  for (const [k, h] of hosts.entries()) {
    const i = k + 1;
    await underlay.must(`set -e
ip link add h${i} type veth peer name eth1 netns /proc/${h.pid}/ns/net
ip link set h${i} master ul up`);
    await h.must(`set -e
ip addr add ${underlayIp(i)}/24 dev eth1
ip link set eth1 up
ip route add default via ${ROUTER_IP} dev eth1`);
  }
  return {
    underlay,
    hosts,
    destroy: async () => {
      await Promise.all([underlay, ...hosts].map((s) => s.destroy()));
    },
  };
}
