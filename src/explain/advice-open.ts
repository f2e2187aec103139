// What to change in the spec to open a way that is blocked: read from the rule or the kernel check that
// dropped the packet, and from the spec's containers when one is given.

import type { RuleCause } from '../model/firewall.js';
import type { Hop, NetView, RuleStep } from '../model/why.js';
import { declaredPorts, iptablesDelete, portWord, type Advice } from './advice-text.js';

export function toOpen(t: Advice, view: NetView): string[] {
  const drop = [...t.request, ...t.reply].find((h) => h.outcome === 'drop');
  if (!drop) return [];
  if (drop.reason) return byReason(drop, t, view);
  const step = drop.rules[drop.rules.length - 1];
  if (step.index === 0) return [`nothing accepts it and ${step.chain}'s policy is ${step.rule}: accept it with iptables (tnet leaves ${step.chain}'s other rules alone)`];
  if (step.owner.kind === 'foreign') return [`rule ${step.index} of ${step.chain} is not tnet's: remove or change it with iptables (${iptablesDelete(step)})`];
  if (step.drift) return [`this rule carries the spec's comment but the spec does not write it: tnet apply removes it`];
  return byCause(step, t, view);
}

function byCause(step: RuleStep, t: Advice, view: NetView): string[] {
  const c = step.cause!;
  switch (c.kind) {
    case 'icc':
      return iccOpen(c, t, view);
    case 'isolation':
      return isolationOpen(c, t, view);
    case 'internal':
      return [`set ${c.field}: false (an internal bridge has no way in or out)`];
    case 'loopback':
      return [`a service on the host's loopback is closed to containers (CVE-2020-8558): bind it to the bridge's address instead, or publish the port from a container`];
    default:
      return [`the rule comes from ${c.field ?? "tnet's chain layout"}`];
  }
}

/** icc off: the whole bridge opens with icc, one pair with a link (on the ports the target declares). */
function iccOpen(c: RuleCause, t: Advice, view: NetView): string[] {
  const [s, d] = [t.query.src.name, t.query.dst.name];
  const out = [`set ${c.field}: true (every container on ${c.bridge} then reaches every other)`];
  const spec = view.spec?.spec;
  const from = spec?.containers[s];
  if (!from || !spec?.containers[d]) return [...out, `or add links: ["${d}"] to containers.${s}`];
  const ports = declaredPorts(spec.containers[d]);
  const open = ports.some((p) => p.port === t.query.port && p.proto === t.query.proto);
  const linked = from.links.some((l) => l.target === d);
  if (!linked) out.push(`or add links: ["${d}"] to containers.${s} (${ports.length ? `it opens ${ports.map(portWord).join(', ')} of ${d}` : `it opens all of ${d}, which declares no port`})`);
  if (ports.length && !open) {
    out.push(t.query.port === null ? `a link opens ${d}'s declared ports only, never ICMP: only icc lets a ping through` : `${linked ? '' : 'and '}add expose: [${portWord({ port: t.query.port, proto: t.query.proto })}] to containers.${d} (a link opens the exposed and published ports)`);
  }
  return out;
}

/** Two bridges: a published port is open to every bridge; or the source joins the other bridge too. */
function isolationOpen(c: RuleCause, t: Advice, view: NetView): string[] {
  const [s, d, port] = [t.query.src.name, t.query.dst.name, t.query.port];
  const srcBridge = view.endpoints.find((e) => e.container === s)?.bridge ?? '?';
  const out: string[] = [];
  const held = view.spec?.spec.containers[d]?.ports.find((p) => p.containerPort === port && p.proto === t.query.proto && p.hostPort !== null);
  if (held) out.push(`${d} publishes it on ${held.hostIp ? `${held.hostIp}:${held.hostPort}` : `port ${held.hostPort} of every host address`}: connect there instead (a published port is open to every bridge)`);
  else if (port !== null && t.query.dst.kind === 'container') {
    const p = t.query.proto === 'tcp' ? `${port}:${port}` : `${port}:${port}/${t.query.proto}`;
    out.push(`publish it: add ports: ["${p}"] to containers.${d} and connect to a host address (a published port is open to every bridge)`);
  }
  out.push(`${out.length ? 'or ' : ''}put containers.${s} on ${c.bridge} as well: networks: {${srcBridge}: {}, ${c.bridge}: {}}`);
  return out;
}

function byReason(h: Hop, t: Advice, view: NetView): string[] {
  switch (h.reason) {
    case 'no-route':
      return noRoute(t, view);
    case 'no-route-back':
      return [`the host has no route back to ${t.query.src.ip}: add one (tnet does not manage the host's routes)`];
    case 'no-forward':
      return ['set host.ipForward: true (tnet apply then sets net.ipv4.ip_forward = 1)'];
    case 'martian':
    case 'localnet':
      return ['publish the port on every address or on 127.0.0.1: tnet then turns route_localnet on for the bridge'];
    case 'hairpin':
      return ['tnet apply turns hairpin mode on for a container that publishes ports'];
    case 'unwired':
      return [`tnet apply wires ${t.query.src.kind === 'container' ? t.query.src.name : t.query.dst.name} again`];
    case 'no-neighbour':
      return [`no container has ${t.query.dst.ip}: check the address (tnet status lists what tnet owns)`];
    default:
      return [];
  }
}

/** A container on an internal bridge has no default route: Docker gives it none. */
function noRoute(t: Advice, view: NetView): string[] {
  const ep = view.endpoints.find((e) => e.container === t.query.src.name);
  const b = ep && view.spec?.spec.bridges[ep.bridge];
  if (b?.internal) return [`containers on an internal bridge get no default route: set ${b.overlay ? 'overlays' : 'bridges'}.${b.name}.internal: false`];
  return [`${t.query.src.kind === 'container' ? t.query.src.name : 'the host'} has no route to ${t.query.dst.ip}: add one, or reach it through an address that has one`];
}
