// Firewall inputs shared by the firewall tests: the quickstart's bridge, two containers and a link.

import type { FirewallInput, FwContainer } from '../../../src/desired/firewall/input.js';

export const nginx1: FwContainer = {
  name: 'nginx-1', bridge: 'docker0', ip: '172.17.0.2', hostIf: 'veth-n1',
  ports: [{ hostIp: null, hostPort: 8080, containerPort: 80, proto: 'tcp' }], expose: [], links: [],
};
export const nginx2: FwContainer = {
  name: 'nginx-2', bridge: 'docker0', ip: '172.17.0.3', hostIf: 'veth-n2', ports: [], expose: [], links: ['nginx-1'],
};

export function quickstart(over: Partial<FirewallInput> = {}): FirewallInput {
  return {
    spec: 'q',
    ipMasq: true,
    bridges: [{ name: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', icc: true, internal: false, external: false, dns: false }],
    containers: [nginx1, nginx2],
    ...over,
  };
}
