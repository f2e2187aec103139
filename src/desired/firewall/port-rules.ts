// The rules one container's published ports write (DNATs, hairpin masquerades, forward accepts), for one family.

import type { CausedRule, FwFamily } from '../../model/firewall.js';
import type { FwContainer, FwPort, FwProto } from './input.js';
import { host, hostPort, ruleText } from './rule-text.js';
import { caused, portCause } from './cause.js';
import { Memo } from '../../util/memo.js';

export interface Published {
  container: FwContainer;
  port: FwPort; // hostIp normalised: null for every address
}

export interface ServedPort {
  port: number;
  proto: FwProto;
}

/** What one container endpoint publishes on one family, and the rules of each per-port chain for it. */
export interface PortRules {
  published: Published[];
  /** The distinct (container port, proto) pairs its published ports lead to. */
  served: ServedPort[];
  dnat: CausedRule[];
  /** One per served port: two host ports to one container port write one masquerade. */
  hairpin: CausedRule[];
  accepts: CausedRule[];
}

const NONE: PortRules = { published: [], served: [], dnat: [], hairpin: [], accepts: [] };

/**
 * Watch mode desires ten thousand containers on every edit, and their FwContainer entries are the same objects
 * from one edit to the next (desired/cache.ts): their rules are looked up instead of written again, which was
 * most of the desired rules' cost. Kept across reconciles by whoever keeps the DesireCache.
 */
export class PortRulesMemo {
  private readonly memo = new Memo<FwContainer, PortRules>();

  of(c: FwContainer, family: FwFamily, internal: boolean, comment: string): PortRules {
    // Docker publishes no port on an internal network.
    if (internal || c.ports.length === 0) return NONE;
    return this.memo.get(c, `${family} ${comment}`, () => portRules(c, family, comment));
  }
}

function portRules(c: FwContainer, family: FwFamily, comment: string): PortRules {
  const published = publishedOf(c, family);
  const served = servedPorts(published);
  return {
    published,
    served,
    dnat: published.map((p) => dnat(p, comment)),
    hairpin: unique(published.map((p) => hairpinMasquerade(p, comment))),
    accepts: served.map((s) => accept(c, s, published, comment)),
  };
}

/**
 * The port as one family publishes it, or null when it does not: an address is of one family, `0.0.0.0`
 * and `::` are every address of theirs, none is every address of both unless `family` narrows it.
 */
export function normalisePort(p: FwPort, family: FwFamily): FwPort | null {
  if (p.hostIp !== null && p.hostIp !== '') {
    if (p.hostIp.includes(':') !== (family === 6)) return null;
    return p.hostIp === '0.0.0.0' || p.hostIp === '::' ? { ...p, hostIp: null } : p;
  }
  if (p.family !== undefined && p.family !== family) return null;
  return p.hostIp === null ? p : { ...p, hostIp: null };
}

function publishedOf(c: FwContainer, family: FwFamily): Published[] {
  const seen = new Set<string>();
  const out: Published[] = [];
  for (const raw of c.ports) {
    const port = normalisePort(raw, family);
    const key = port && `${port.hostIp}|${port.hostPort}|${port.proto}`;
    if (!port || !key || seen.has(key)) continue;
    seen.add(key);
    out.push({ container: c, port });
  }
  return out;
}

function servedPorts(published: Published[]): ServedPort[] {
  const seen = new Map<string, ServedPort>();
  for (const p of published) seen.set(`${p.port.containerPort}/${p.port.proto}`, { port: p.port.containerPort, proto: p.port.proto });
  return [...seen.values()];
}

function dnat(p: Published, comment: string): CausedRule {
  const { port, container } = p;
  const rule = ruleText({
    // Every local address, 127.x included (route_localnet on the bridge carries it there), ::1 not (the jumps skip it).
    dst: port.hostIp === null ? undefined : host(port.hostIp),
    proto: port.proto,
    dport: port.hostPort,
    comment,
    target: `DNAT --to-destination ${hostPort(container.ip, port.containerPort)}`,
  });
  return caused(rule, portCause(container.bridge, container.name, port));
}

/** A container reaching its own published port: it must see the reply come from elsewhere than itself. */
function hairpinMasquerade(p: Published, comment: string): CausedRule {
  const ip = host(p.container.ip);
  const rule = ruleText({ src: ip, dst: ip, proto: p.port.proto, dport: p.port.containerPort, comment, target: 'MASQUERADE' });
  return caused(rule, portCause(p.container.bridge, p.container.name, p.port));
}

/** Docker's `-d ip ! -i br -o br -p proto --dport cport -j ACCEPT`, caused by the first mapping to that port. */
function accept(c: FwContainer, s: ServedPort, published: Published[], comment: string): CausedRule {
  const br = c.bridge;
  const first = published.find((x) => x.port.containerPort === s.port && x.port.proto === s.proto)!;
  const rule = ruleText({ dst: host(c.ip), in: { not: br }, out: br, proto: s.proto, dport: s.port, comment, target: 'ACCEPT' });
  return caused(rule, portCause(br, c.name, first.port));
}

/** The first cause of each text. */
function unique(rules: CausedRule[]): CausedRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => !seen.has(r.rule) && seen.add(r.rule));
}
