// `tnet status`: the objects tnet owns on this host, by spec, and with -f whether each matches the spec.

import { stringify } from 'yaml';
import type { Args } from './args.js';
import { EXIT, exitCodeOf } from '../model/errors.js';
import { loadFromArgs } from './commands.js';
import { renderErrors } from '../render/errors.js';
import { observe } from '../observe/observe.js';
import type { ObservedState } from '../model/observed.js';
import type { Action } from '../model/action.js';
import { parseMark } from '../ownership/marks.js';
import { folderOwner } from '../plan/diff-files.js';
import { reconcile } from '../reconcile/reconcile.js';
import { describe } from '../render/plan.js';

export interface StatusRow {
  spec: string;
  kind: string;
  name: string;
  state: 'in sync' | 'differs' | 'missing' | 'not in spec' | 'owned';
}

export async function statusCommand(args: Args): Promise<number> {
  const rows = typeof args.flags.file === 'string' ? await withSpec(args) : ownedRows(await observe({ firewall: null, paths: [] }), 'owned');
  if (typeof rows === 'number') return rows;
  const format = args.flags.output ?? 'table';
  if (format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (format === 'yaml') process.stdout.write(stringify(rows));
  else process.stdout.write(table(rows));
  return EXIT.ok;
}

async function withSpec(args: Args): Promise<StatusRow[] | number> {
  const spec = await loadFromArgs(args);
  if (typeof spec === 'number') return spec;
  const r = await reconcile(spec, { dryRun: true });
  if (!r.ok) {
    process.stderr.write(`${renderErrors(r.errors)}\n`);
    return exitCodeOf(r.errors);
  }
  const { observed, desired, actions } = r.value;
  const seen = ownedRows(observed, 'in sync').filter((row) => row.spec === spec.name);
  const touched = (name: string) => actions.some((a) => mentions(a, name));
  const rows = seen.map((row) => ({ ...row, state: touched(row.name) ? ('differs' as const) : row.state }));
  const want = [
    ...desired.bridges.filter((b) => b.owned).map((b) => ['bridge', b.name]),
    ...desired.netns.map((n) => ['netns', n.name]),
    ...desired.endpoints.map((e) => ['veth', e.hostIf]),
    ...desired.vxlans.map((v) => ['vxlan', v.name]),
    ...desired.bridges.flatMap((b) => (b.owned && b.uplink ? [['uplink', b.uplink]] : [])),
  ];
  for (const [kind, name] of want) if (!rows.some((r) => r.kind.startsWith(kind) && r.name === name)) rows.push({ spec: spec.name, kind, name, state: 'missing' });
  const desiredNames = new Set(want.map((w) => w[1]));
  return rows.map((r) => (desiredNames.has(r.name) || r.kind === 'files' ? r : { ...r, state: 'not in spec' as const }));
}

function mentions(a: Action, name: string): boolean {
  return describe(a).split(/[\s:]/).includes(name);
}

function ownedRows(observed: ObservedState, state: StatusRow['state']): StatusRow[] {
  const rows: StatusRow[] = [];
  for (const l of observed.links) {
    const m = l.owner;
    if (m) rows.push({ spec: m.spec, kind: m.kind === 'veth' ? 'veth' : m.kind, name: l.name, state });
  }
  for (const ns of Object.values(observed.netns)) {
    const m = parseMark(ns.mark);
    if (m) rows.push({ spec: m.spec, kind: m.name === ns.name ? 'netns' : 'netns alias', name: ns.name, state });
  }
  for (const dir of observed.fileDirs) {
    const m = parseMark(folderOwner(observed, dir));
    if (m) rows.push({ spec: m.spec, kind: 'files', name: dir, state });
  }
  return rows;
}

function table(rows: StatusRow[]): string {
  if (rows.length === 0) return 'tnet owns nothing on this host.\n';
  const head = ['SPEC', 'KIND', 'NAME', 'STATE'];
  const data = rows.map((r) => [r.spec, r.kind, r.name, r.state]);
  const widths = head.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return `${[fmt(head), ...data.map(fmt)].join('\n')}\n`;
}
