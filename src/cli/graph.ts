// `tnet graph`: the network as a Mermaid or DOT diagram, from a spec or from what tnet owns on the host.

import type { Args } from './args.js';
import { EXIT } from '../model/errors.js';
import type { Spec } from '../model/spec.js';
import { loadFromArgs } from './commands.js';
import { renderErrors } from '../render/errors.js';
import { observe } from '../observe/observe.js';
import { hasChosenPorts } from '../desired/held.js';
import { reconcile } from '../reconcile/reconcile.js';
import { FirewallChoice } from '../reconcile/firewall.js';
import { specGraph } from '../graph/from-spec.js';
import { hostGraph } from '../graph/from-host.js';
import { chosenHostPorts } from '../graph/ports.js';
import { renderMermaid } from '../graph/mermaid.js';
import { renderDot } from '../graph/dot.js';
import type { Graph } from '../graph/graph.js';
import type { FirewallObserved } from '../model/firewall.js';

const RENDERERS: Record<string, (g: Graph) => string> = { mermaid: renderMermaid, dot: renderDot };

export async function graphCommand(args: Args): Promise<number> {
  const format = String(args.flags.format ?? 'mermaid');
  const render = RENDERERS[format];
  if (!render) {
    process.stderr.write(`tnet graph: --format ${format}: mermaid or dot\n`);
    return EXIT.usage;
  }
  let graph: Graph;
  if (args.flags.file !== undefined) {
    const spec = await loadFromArgs(args);
    if (typeof spec === 'number') return spec;
    graph = specGraph(spec, await hostPorts(spec));
  } else {
    graph = hostGraph(await observe({ firewall: readFirewall, paths: [], fdb: true }));
    if (graph.nodes.length === 0) process.stderr.write('tnet owns nothing on this host.\n');
  }
  process.stdout.write(render(graph));
  return EXIT.ok;
}

/**
 * The host ports tnet chose (`ports: ["80"]`) are on the host only: a dry run (as `tnet status -f` makes)
 * reads them, as root. Without root, or when the host cannot be read, they are drawn as `?`.
 */
async function hostPorts(spec: Spec): Promise<Record<string, number>> {
  if (!hasChosenPorts(spec) || process.getuid?.() !== 0) return {};
  const r = await reconcile(spec, { dryRun: true });
  if (r.ok) return chosenHostPorts(spec, r.value.desired.endpoints, r.value.observed.firewall);
  process.stderr.write(`tnet graph: no host port read from the host, those tnet chooses are drawn as ?:\n${renderErrors(r.errors)}\n`);
  return {};
}

/** The rules of every spec, whichever iptables backend holds them; none on a host without iptables. */
async function readFirewall(): Promise<FirewallObserved | null> {
  const choice = new FirewallChoice();
  try {
    const any: Spec = { name: '', host: { ipForward: false, iptables: true, ip6tables: false, ipMasq: false, icc: true }, bridges: {}, overlays: {}, containers: {} };
    const glue = await choice.forSpec(any, true);
    return glue ? await glue.observe(true) : null;
  } catch {
    return null;
  } finally {
    choice.close();
  }
}
