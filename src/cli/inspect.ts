// `tnet inspect [NAME…]` and `tnet port NAME [PRIVATE[/PROTO]]`: containers, bridges and overlays as the
// kernel holds them (and, with -f, as the spec asks), and the host ports a container publishes.

import type { Args } from './args.js';
import { EXIT, exitCodeOf, type TnetError } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import { loadFromArgs } from './commands.js';
import { renderErrors } from '../render/errors.js';
import { INSPECT_FORMATS, renderInspect, renderPorts, type InspectFormat } from '../render/inspect.js';
import { describe, sign } from '../render/plan.js';
import { observe } from '../observe/observe.js';
import { reconcile } from '../reconcile/reconcile.js';
import { Session } from '../reconcile/session.js';
import { joinedObjects } from '../inspect/joined.js';
import { ownedObjects } from '../inspect/owned.js';
import { parsePrivate, portsOf, selectObjects } from '../inspect/select.js';
import type { InspectObject } from '../inspect/view.js';

export async function inspectCommand(args: Args): Promise<number> {
  const format = args.flags.output ?? 'table';
  if (!INSPECT_FORMATS.includes(format as InspectFormat)) return usage(args, `-o ${String(format)}: one of ${INSPECT_FORMATS.join(', ')}`);
  const all = await objectsFor(args);
  if (typeof all === 'number') return all;
  const { objects, errors } = selectObjects(all, args.positional);
  if (format === 'table' && objects.length === 0 && args.positional.length === 0) {
    process.stdout.write(typeof args.flags.file === 'string' ? 'the spec declares nothing.\n' : 'tnet owns nothing on this host.\n');
  } else process.stdout.write(renderInspect(objects, format as InspectFormat));
  return errors.length ? reported(errors) : EXIT.ok;
}

export async function portCommand(args: Args): Promise<number> {
  const [name, privatePort, ...extra] = args.positional;
  if (!name || extra.length) return usage(args, 'usage: tnet port NAME [PRIVATE_PORT[/PROTO]] [-f SPEC]');
  const wanted = privatePort === undefined ? null : parsePrivate(privatePort);
  if (privatePort !== undefined && !wanted) return usage(args, `${privatePort}: not a port (80, 80/tcp, 53/udp)`);
  const all = await objectsFor(args);
  if (typeof all === 'number') return all;
  const ports = portsOf(all, name, wanted);
  if (!ports.ok) return reported(ports.errors);
  process.stdout.write(renderPorts(ports.value, wanted !== null));
  return EXIT.ok;
}

function usage(args: Args, message: string): number {
  process.stderr.write(`tnet ${args.command}: ${message}\n`);
  return EXIT.usage;
}

function reported(errors: TnetError[]): number {
  process.stderr.write(`${renderErrors(errors)}\n`);
  return exitCodeOf(errors);
}

/** With -f, the spec's objects joined with the kernel; without, everything tnet owns on the host. */
async function objectsFor(args: Args): Promise<InspectObject[] | number> {
  if (typeof args.flags.file !== 'string') return ownedObjects(await readOwned());
  const spec = await loadFromArgs(args);
  if (typeof spec === 'number') return spec;
  // Deep: every namespace entered, so addresses and MACs are read, not taken on a seal's word.
  const r = await reconcile(spec, { dryRun: true, deep: true });
  if (!r.ok) return reported(r.errors);
  const { desired, observed, actions } = r.value;
  return joinedObjects({ spec, desired, observed, actions, line: (a) => `${sign(a)} ${describe(a)}` });
}

/**
 * The whole host, every namespace entered, the DNAT rules and the forwarding entries read. A spec asking for
 * no rule finds the backend where iptables is installed and reads none where it is not.
 */
async function readOwned() {
  const session = new Session();
  try {
    const fw = await session.firewall.forSpec(ANY_SPEC, false);
    // Every family: what tnet owns may hold IPv6 rules whatever the spec names (here, none).
    return await observe({ firewall: fw ? () => fw.observe(true) : null, paths: [], fdb: true });
  } finally {
    session.close();
  }
}

/** The firewall backend is chosen for a spec: this one names no bridge, so no per-bridge switch is read. */
const ANY_SPEC: Spec = {
  name: '',
  host: { ipForward: false, iptables: false, ip6tables: false, ipMasq: false, icc: true },
  bridges: {},
  overlays: {},
  containers: {},
};
