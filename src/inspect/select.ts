// Picks objects by name for `tnet inspect NAME…` and a container's ports for `tnet port`; what is not there is an error value.

import { fail, ok, tnetError, type Result, type TnetError } from '../model/errors.js';
import type { Proto } from '../model/spec.js';
import type { ContainerView, InspectObject, PortView } from './view.js';

export interface Selection {
  objects: InspectObject[];
  /** One error per name nothing answers to: the others are still shown, as `docker inspect` does. */
  errors: TnetError[];
}

/**
 * Every object of each name, in the order the names are given (a name may be a container's, a bridge's or
 * an overlay's); no names: every object.
 */
export function selectObjects(all: readonly InspectObject[], names: readonly string[]): Selection {
  if (names.length === 0) return { objects: [...all], errors: [] };
  const objects: InspectObject[] = [];
  const errors: TnetError[] = [];
  for (const name of names) {
    const found = all.filter((o) => o.name === name && !objects.includes(o));
    if (found.length === 0 && !objects.some((o) => o.name === name)) errors.push(noSuchObject(name, 'container, bridge or overlay'));
    objects.push(...found);
  }
  return { objects, errors };
}

function noSuchObject(name: string, what: string): TnetError {
  return tnetError('no-such-object', `no ${what} named '${name}' on this host`, {
    hint: 'tnet status lists what tnet owns here; with -f SPEC, what the spec declares',
  });
}

/** `80`, `80/tcp`, `53/udp`: the private side `tnet port` asks for; null when it is none. */
export function parsePrivate(text: string): { port: number; proto: Proto } | null {
  const m = /^([0-9]{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) return null;
  return { port: Number(m[1]), proto: (m[2]?.toLowerCase() ?? 'tcp') as Proto };
}

/**
 * A container's published ports, or those of one private port. An unknown container, or a private port
 * published nowhere, is an error (Docker: `No public port '81/tcp' published for web`, exit 1).
 */
export function portsOf(all: readonly InspectObject[], name: string, wanted: { port: number; proto: Proto } | null): Result<PortView[]> {
  const c = all.find((o): o is ContainerView => o.kind === 'container' && o.name === name);
  if (!c) {
    const other = all.find((o) => o.name === name);
    return fail(other ? tnetError('no-such-object', `'${name}' is ${other.kind === 'overlay' ? 'an' : 'a'} ${other.kind}, not a container`) : noSuchObject(name, 'container'));
  }
  if (!wanted) return ok(c.ports);
  const ports = c.ports.filter((p) => p.containerPort === wanted.port && p.proto === wanted.proto);
  if (ports.length) return ok(ports);
  return fail(tnetError('no-public-port', `no public port '${wanted.port}/${wanted.proto}' published for ${name}`, {
    hint: c.ports.length ? `${name} publishes ${[...new Set(c.ports.map((p) => `${p.containerPort}/${p.proto}`))].join(', ')}` : `${name} publishes no port`,
  }));
}
