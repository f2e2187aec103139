// Questions later stages ask of a valid spec: whose namespace a container shares.

import type { ContainerSpec, Spec } from '../model/spec.js';

/** container:X chains end at the container whose namespace they all share. */
export function rootOf(spec: Spec, c: ContainerSpec): ContainerSpec {
  let cur = c;
  while (cur.network.kind === 'container') cur = spec.containers[cur.network.target];
  return cur;
}
