// `tnet why SRC DST[:PORT[/PROTO]]`: why a packet gets through or not, computed from the rules on the host,
// with --probe checked against a real packet. Exit 0 allowed, 1 blocked, 2 cannot tell; errors as tnet's.

import type { Args } from './args.js';
import { loadFromArgs } from './commands.js';
import { parseTarget, resolveQuery } from '../explain/ends.js';
import { why } from '../explain/why.js';
import { EXIT, exitCodeOf, type TnetError } from '../model/errors.js';
import type { ProbeResult, WhyTrace } from '../model/why.js';
import { netnsPath } from '../ownership/paths.js';
import { renderErrors } from '../render/errors.js';
import { renderWhy } from '../render/why.js';
import { probe } from '../util/probe.js';
import { readView, withNamespace } from './why-read.js';

const USAGE = 'tnet why: usage: tnet why SRC DST[:PORT[/tcp|udp]] [-f SPEC] [--probe] [-o text|json]';
const PROBE_MS = 1000;

export async function whyCommand(args: Args): Promise<number> {
  const [src, dst, ...extra] = args.positional;
  const target = dst ? parseTarget(dst) : null;
  const format = args.flags.output ?? 'text';
  // The trace follows IPv4 (its rules, routes and addresses); an IPv6 end is said to be so, not misread.
  const v6 = [src, dst].find((e) => e !== undefined && e.split(':').length > 2);
  if (v6) return usage(`'${v6}' is IPv6: tnet why traces IPv4 only (name a container to follow its IPv4 address)`);
  if (!src || !target || extra.length || (format !== 'text' && format !== 'json')) return usage(dst && !target ? `'${dst}' is not NAME[:PORT[/tcp|udp]]` : null);
  const spec = typeof args.flags.file === 'string' ? await loadFromArgs(args) : null;
  if (typeof spec === 'number') return spec;
  const reads = await readView(spec);
  if (!reads.ok) return failed(reads.errors);
  const q = resolveQuery(reads.value.view, src, target);
  if (!q.ok) return failed(q.errors);
  const ns = q.value.src.kind === 'container' ? reads.value.view.endpoints.find((e) => e.container === q.value.src.name)?.netns : undefined;
  const view = ns ? await withNamespace(reads.value, ns) : reads.value.view;
  const trace = why(view, q.value);
  if (reads.value.noRules) trace.notes.push('iptables could not be run here: no rule was read, every hook is taken as accepting');
  const probed = args.flags.probe ? await probeFor(trace, ns) : null;
  process.stdout.write(format === 'json' ? `${JSON.stringify({ ...trace, probe: probed }, null, 2)}\n` : renderWhy(trace, probed));
  if (probed?.agrees === false || trace.verdict === 'unknown') return EXIT.undecided;
  return trace.verdict === 'allowed' ? EXIT.ok : EXIT.blocked;
}

/** One real packet from SRC's namespace (or the host); the outside is not where tnet can send from. */
async function probeFor(t: WhyTrace, ns: string | undefined): Promise<ProbeResult> {
  const { src, dst, proto, port } = t.query;
  if (src.kind === 'outside') return { reached: null, detail: `${src.ip} is beyond the host, where tnet cannot send from`, agrees: null };
  const enter = ns ? ['nsenter', `--net=${netnsPath(ns)}`] : [];
  const r = await probe({ enter, proto, host: dst.ip, port, ms: PROBE_MS });
  const agrees = r.reached === null || t.verdict === 'unknown' ? null : r.reached === (t.verdict === 'allowed');
  return { ...r, agrees };
}

function usage(message: string | null): number {
  process.stderr.write(`${message ? `tnet why: ${message}\n` : ''}${USAGE}\n`);
  return EXIT.usage;
}

function failed(errors: TnetError[]): number {
  process.stderr.write(`${renderErrors(errors)}\n`);
  return exitCodeOf(errors);
}
