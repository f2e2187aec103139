// Published ports as DNAT rules hold them, desired or observed, of each family given; which host ports tnet chose.

import type { DesiredState } from '../model/desired.js';
import type { FirewallDesired, FirewallObserved, FwRule, FwTableDesired, FwTableObserved } from '../model/firewall.js';
import type { ContainerSpec, Spec } from '../model/spec.js';
import { parseDnat } from '../observe/published.js';
import { dnatRulesOf } from '../ownership/chains.js';
import { specOwner } from '../ownership/rule-owner.js';
import { effectivePorts } from '../desired/allocate.js';
import type { PortView } from './view.js';

/** One DNAT rule of tnet's: a host port and the container address it leads to. */
export interface DnatRule {
  owner: string | null;
  port: PortView;
  toIp: string;
}

/**
 * ip6tables' tables, where the firewall carries them (`tables6`): a firewall read or desired without them
 * gives the IPv4 rules only, and one with them gives both, with nothing to change here.
 */
type WithSix<T, Table> = T & { tables6?: Table[] | null };

/** The DNAT rules the kernel holds, every spec's. */
export function observedDnat(fw: WithSix<FirewallObserved, FwTableObserved> | null): DnatRule[] {
  if (!fw) return [];
  const rulesOf = (tables: FwTableObserved[] | null | undefined) => dnatIn(tables?.find((t) => t.table === 'nat')?.chains, (c) => c.rules);
  return [...rulesOf(fw.tables), ...rulesOf(fw.tables6)].flatMap(toDnat);
}

/** The DNAT rules a desired state asks for: its spec's only. */
export function desiredDnat(fw: WithSix<FirewallDesired, FwTableDesired> | null): DnatRule[] {
  if (!fw) return [];
  const rulesOf = (tables: FwTableDesired[] | null | undefined) => dnatIn(tables?.find((t) => t.table === 'nat')?.chains, (c) => c);
  return [...rulesOf(fw.tables), ...rulesOf(fw.tables6)].flatMap(toDnat);
}

/** The DNAT rules of a nat table's chains, read or desired: TNET's and its bridges' chains' (ownership/chains.ts). */
function dnatIn<C>(chains: Record<string, C> | undefined, rules: (c: C) => FwRule[]): FwRule[] {
  return dnatRulesOf((name) => (chains?.[name] === undefined ? undefined : rules(chains[name])));
}

function toDnat(rule: FwRule): DnatRule[] {
  const p = parseDnat(rule);
  if (!p) return [];
  // The family by where the rule leads: an IPv6 DNAT rule leads to `[ip6]:port`.
  const family = p.toIp.includes(':') ? 6 : 4;
  const hostIp = p.hostIp ?? (family === 6 ? '::' : '0.0.0.0');
  return [{ owner: p.owner, toIp: p.toIp, port: { containerPort: p.toPort, proto: p.proto, family, hostIp, hostPort: p.hostPort, chosen: null } }];
}

/** The ports of `spec`'s rules that lead to one of `ips`, in a stable order. */
export function portsTo(rules: readonly DnatRule[], spec: string, ips: ReadonlySet<string>): PortView[] {
  const owner = specOwner(spec);
  return sortPorts(rules.filter((r) => r.owner === owner && ips.has(r.toIp)).map((r) => r.port));
}

/**
 * Whether tnet chose a port's host port: the container maps that container port without a host port (an
 * ephemeral one, or a range), and no mapping of it names this host port. A rule the spec does not ask for
 * at all was chosen by nobody: false.
 */
export function withChosen(ports: readonly PortView[], c: ContainerSpec): PortView[] {
  const mappings = effectivePorts(c);
  return ports.map((p) => {
    const same = mappings.filter((m) => m.proto === p.proto && m.containerPort === p.containerPort);
    const named = same.some((m) => m.hostPort === p.hostPort);
    return { ...p, chosen: !named && same.some((m) => m.hostPort === null) };
  });
}

export const portKey = (p: PortView): string => `${p.family}|${p.hostIp}|${p.proto}|${p.hostPort}|${p.containerPort}`;

/** By container port, proto, family (IPv4 first, as Docker lists them), host address and host port. */
export function comparePorts(a: PortView, b: PortView): number {
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

const rank = (p: PortView) => [p.containerPort, p.proto, p.family, p.hostIp, p.hostPort] as const;

export const sortPorts = (ports: readonly PortView[]): PortView[] => [...ports].sort(comparePorts);

/** A host port tnet chose for a container, for apply to say. */
export interface ChosenPort {
  container: string;
  port: PortView;
}

/**
 * The host ports the desired rules publish that tnet chose and that `observed` does not hold yet: those an
 * apply is choosing now. Ports chosen by an earlier apply were said then (`tnet port` shows them any time).
 */
export function newlyChosen(spec: Spec, desired: DesiredState, observed: FirewallObserved | null): ChosenPort[] {
  const held = new Set(observedDnat(observed).map((r) => `${r.owner}|${r.toIp}|${portKey(r.port)}`));
  const byIp = new Map<string, string>();
  for (const e of desired.endpoints) {
    byIp.set(e.address.split('/')[0], e.container);
    if (e.address6) byIp.set(e.address6.split('/')[0], e.container);
  }
  const out: ChosenPort[] = [];
  for (const r of desiredDnat(desired.firewall)) {
    const name = byIp.get(r.toIp);
    const c = name === undefined ? undefined : spec.containers[name];
    if (!c || held.has(`${r.owner}|${r.toIp}|${portKey(r.port)}`)) continue;
    const [port] = withChosen([r.port], c);
    if (port.chosen) out.push({ container: c.name, port });
  }
  return out.sort((a, b) => (a.container < b.container ? -1 : a.container > b.container ? 1 : comparePorts(a.port, b.port)));
}

/** As `docker port` prints a mapping: `80/tcp -> 0.0.0.0:32768`, `80/tcp -> [::]:32768`. */
export const formatPort = (p: PortView): string => `${p.containerPort}/${p.proto} -> ${hostSide(p)}`;

/** The host side alone, as `docker port NAME 80` prints it: `0.0.0.0:32768`, `[::]:32768`. */
export const hostSide = (p: PortView): string => `${p.family === 6 ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}`;
