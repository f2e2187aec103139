// Renders `tnet inspect`'s objects as JSON, YAML or blocks of text, and host ports as `docker port` prints them.

import { stringify } from 'yaml';
import type { ChosenPort } from '../inspect/ports.js';
import { formatPort, hostSide } from '../inspect/ports.js';
import type { BridgeView, ContainerView, EndpointView, InspectObject, OverlayView, PortView } from '../inspect/view.js';

export type InspectFormat = 'table' | 'json' | 'yaml';

export const INSPECT_FORMATS: readonly InspectFormat[] = ['table', 'json', 'yaml'];

/** One array of objects, each with its `kind`, whatever the format: an empty one is `[]`. */
export function renderInspect(objects: readonly InspectObject[], format: InspectFormat): string {
  if (format === 'json') return `${JSON.stringify(objects, null, 2)}\n`;
  if (format === 'yaml') return objects.length ? stringify(objects) : '[]\n';
  return objects.map(block).join('\n');
}

/** `tnet port`: every mapping (`80/tcp -> 0.0.0.0:32768`), or for one private port the host side alone. */
export function renderPorts(ports: readonly PortView[], onePrivate: boolean): string {
  return ports.map((p) => `${onePrivate ? hostSide(p) : formatPort(p)}\n`).join('');
}

/** apply's word on each host port it chose: `published web 80/tcp -> 0.0.0.0:32768`. */
export const renderChosen = (c: ChosenPort): string => `published ${c.container} ${formatPort(c.port)}`;

type Row = [key: string, value: string];

function block(o: InspectObject): string {
  const head = `${o.kind} ${o.name} (spec ${o.spec}, ${o.state})`;
  const rows = o.kind === 'container' ? containerRows(o) : bridgeRows(o);
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return `${[head, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`.trimEnd())].join('\n')}\n`;
}

/** A key over several lines: its value on the first, the others indented under it. */
const many = (key: string, values: string[]): Row[] => values.map((v, i) => [i === 0 ? key : '', v]);
const or = (v: string | number | boolean | null | undefined, none = '-'): string => (v === null || v === undefined ? none : String(v));

function containerRows(c: ContainerView): Row[] {
  return [
    ['mode', c.mode],
    ['netns', or(c.netns)],
    ...(c.hostname === null ? [] : [['hostname', c.hostname] as Row]),
    ...c.networks.map((e): Row => [e.interface ?? 'missing', endpointText(e)]),
    ...many('ports', c.ports.map((p) => `${formatPort(p)}${p.chosen ? ' (chosen)' : ''}`)),
    ...(c.links?.length ? [['links', c.links.map((l) => `${l.target}:${l.alias}`).join(', ')] as Row] : []),
    ...(c.dns ? [['dns', dnsText(c.dns)] as Row] : []),
    ...many('changes', c.changes),
  ];
}

function endpointText(e: EndpointView): string {
  const parts = [
    e.network,
    `${or(e.ipv4)}${e.gateway ? ` via ${e.gateway}` : ''}`,
    ...(e.ipv6 ? [`${e.ipv6}${e.gateway6 ? ` via ${e.gateway6}` : ''}`] : []),
    `mac ${or(e.mac)}`,
    `host veth ${or(e.hostVeth)}`,
    ...(e.aliases?.length ? [`aliases ${e.aliases.join(' ')}`] : []),
  ];
  return parts.join(', ');
}

function dnsText(d: NonNullable<ContainerView['dns']>): string {
  const parts = [`nameserver ${d.nameservers.join(' ') || '-'}`];
  if (d.search.length) parts.push(`search ${d.search.join(' ')}`);
  if (d.options.length) parts.push(`options ${d.options.join(' ')}`);
  return parts.join('; ');
}

function bridgeRows(b: BridgeView | OverlayView): Row[] {
  const rows: Row[] = [
    ['subnet', `${or(b.subnet)} via ${or(b.gateway)}`],
    ...(b.subnet6 ? [['subnet6', `${b.subnet6} via ${or(b.gateway6)}`] as Row] : []),
    ['mtu', or(b.mtu)],
    ['mac', or(b.mac)],
    ['icc', or(b.icc)],
    ['internal', or(b.internal)],
    ...(b.external ? [['external', 'true'] as Row] : []),
    ...(b.uplink ? [['uplink', b.uplink] as Row] : []),
  ];
  if (b.kind === 'overlay') {
    rows.push(
      ['vni', or(b.vni)],
      ['device', `${b.device}, local ${or(b.local)}, port ${or(b.port)}`],
      ...many('hosts', b.hosts.map((h) => (h.name ? `${h.name} ${h.underlay}` : h.underlay))),
      ...many('forwarding', b.forwarding.map((f) => `${f.mac} -> ${f.dst}`)),
    );
  }
  rows.push(
    ...many('containers', b.containers.map((m) => [m.name, or(m.ipv4), ...(m.ipv6 ? [m.ipv6] : []), `(${or(m.hostVeth)})`].join(' '))),
    ...many('changes', b.changes),
  );
  return rows;
}
