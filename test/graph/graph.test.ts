// tnet graph without root: the quickstart drawn in Mermaid and DOT, escaping, order, host ports, the host's marks.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/model/spec.js';
import type { FirewallObserved } from '../../src/model/firewall.js';
import type { DesiredEndpoint } from '../../src/model/desired.js';
import { specGraph } from '../../src/graph/from-spec.js';
import { hostGraph } from '../../src/graph/from-host.js';
import { chosenHostPorts } from '../../src/graph/ports.js';
import { finish, type Graph } from '../../src/graph/graph.js';
import { mermaidId, renderMermaid } from '../../src/graph/mermaid.js';
import { renderDot } from '../../src/graph/dot.js';
import { parseSources } from '../../src/spec/load.js';
import { emptyObserved, link, netns } from '../helpers/fixtures.js';

async function spec(path: string): Promise<Spec> {
  const r = await loadSpec(path, { host: 'h1' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function specOf(yaml: string, name = 'g'): Spec {
  const r = parseSources([{ file: `${name}.yaml`, text: yaml }], name, 'h1');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

/** Mermaid: the node line of `id`, whatever its shape; DOT: the node line of `key`. */
const mermaidNode = (text: string, id: string) => text.split('\n').find((l) => l.trim().startsWith(`${id}`) && /^[\s]*[A-Za-z0-9_]+[[({>]/.test(l) && l.trim().split(/[[({>]/)[0] === id);
const dotNode = (text: string, key: string) => text.split('\n').find((l) => l.trim().startsWith(`"${key}" [label=`));

const QUICKSTART_CONTAINERS = ['nginx-1', 'nginx-2', 'sidecar', 'tools', 'isolated'];

test('Mermaid: the quickstart names every bridge, container, link, published port and container: share', async () => {
  const text = renderMermaid(specGraph(await spec('examples/quickstart.yaml')));
  assert.ok(text.startsWith('flowchart LR\n'));
  assert.match(mermaidNode(text, 'br_docker0') ?? '', /\[\["docker0<br\/>172\.17\.0\.0\/16"\]\]/);
  for (const c of QUICKSTART_CONTAINERS) {
    const line = mermaidNode(text, mermaidId('ct', c));
    assert.ok(line, `a node for ${c}:\n${text}`);
    assert.match(line!, new RegExp(`\\("${c}(<br/>|")`), `${c} is its label's first line`);
  }
  assert.ok(text.includes(`  ${mermaidId('ct', 'nginx-1')} ---|"eth0"| br_docker0\n`));
  assert.ok(text.includes(`  ${mermaidId('ct', 'nginx-2')} ---|"eth0 172.17.0.3"| br_docker0\n`));
  assert.ok(text.includes(`  ${mermaidId('ct', 'nginx-2')} ==>|"link web"| ${mermaidId('ct', 'nginx-1')}\n`), 'the link nginx-1:web');
  assert.ok(text.includes(`  ${mermaidId('ct', 'sidecar')} -.->|"container:nginx-1"| ${mermaidId('ct', 'nginx-1')}\n`), 'sidecar shares nginx-1');
  assert.ok(text.includes(`  ${mermaidId('ct', 'tools')} -.-|"network: host"| hn_host_20network\n`));
  const port = mermaidId('pt', 'nginx-1/tcp/80/0');
  assert.match(mermaidNode(text, port) ?? '', />"0\.0\.0\.0:8080\/tcp"\]/, 'published 8080 on IPv4 (docker0 has no IPv6)');
  assert.ok(text.includes(`  ${port} -->|"80/tcp"| ${mermaidId('ct', 'nginx-1')}\n`));
  assert.match(mermaidNode(text, mermaidId('ct', 'isolated')) ?? '', /network: none/);
});

test('DOT: the quickstart names every bridge, container, link, published port and container: share', async () => {
  const text = renderDot(specGraph(await spec('examples/quickstart.yaml')));
  assert.ok(text.startsWith('digraph tnet {\n') && text.endsWith('}\n'));
  assert.match(text, /subgraph "cluster quickstart" \{\n    label="spec quickstart";/);
  assert.match(dotNode(text, 'bridge:docker0') ?? '', /label="docker0\\n172\.17\.0\.0\/16", shape=box3d/);
  for (const c of QUICKSTART_CONTAINERS) assert.match(dotNode(text, `container:${c}`) ?? '', new RegExp(`label="${c}(\\\\n|")`), c);
  assert.ok(text.includes('  "container:nginx-2" -> "container:nginx-1" [label="link web", style=bold];\n'));
  assert.ok(text.includes('  "container:sidecar" -> "container:nginx-1" [label="container:nginx-1", style=dotted];\n'));
  assert.ok(text.includes('  "container:nginx-2" -> "bridge:docker0" [label="eth0 172.17.0.3", dir=none];\n'));
  assert.match(dotNode(text, 'port:nginx-1/tcp/80/0') ?? '', /label="0\.0\.0\.0:8080\/tcp"/);
  assert.ok(text.includes('  "port:nginx-1/tcp/80/0" -> "container:nginx-1" [label="80/tcp"];\n'));
});

test('ids: Mermaid ids are [A-Za-z0-9_], one per name, also for names that differ only in . - _', () => {
  const names = ['a-b', 'a_b', 'a.b', 'a_2db', 'a__b', 'end', 'o1', 'x1', 'ü'];
  const ids = names.map((n) => mermaidId('ct', n));
  for (const id of ids) assert.match(id, /^ct_[A-Za-z0-9_]+$/);
  assert.is(new Set(ids).size, names.length, ids.join(' '));
});

const nasty = (): Graph =>
  finish(
    [
      { key: 'container:a"b', kind: 'container', lines: ['a"b', 'x<script>#1|2`'], group: 's"p' },
      { key: 'container:c\\d', kind: 'container', lines: ['c\\d', 'line\nbreak'], group: 's"p' },
    ],
    [{ from: 'container:a"b', to: 'container:c\\d', kind: 'link', label: 'link "q" | #x' }],
  );

test('escaping: Mermaid labels hold no quote, markup or pipe of their own', () => {
  const text = renderMermaid(nasty());
  const labels = [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  for (const l of labels) assert.not.match(l.replace(/<br\/>/g, ''), /[<>|`\\\n]/, l);
  assert.ok(text.includes('a#34;b<br/>x#60;script#62;#35;1#124;2#96;'), text);
  assert.ok(text.includes('c#92;d<br/>line break'), text);
  assert.ok(text.includes('|"link #34;q#34; #124; #35;x"|'), text);
  assert.is(text.split('\n').filter((l) => l.includes('subgraph')).length, 1);
  assert.ok(text.includes(`subgraph ${mermaidId('spec', 's"p')} ["spec s#34;p"]`));
});

test('escaping: DOT strings escape quotes and backslashes, labels break lines with \\n only', () => {
  const text = renderDot(nasty());
  assert.ok(text.includes('"container:a\\"b" [label="a\\"b\\nx<script>#1|2`"'), text);
  assert.ok(text.includes('"container:c\\\\d" [label="c\\\\d\\nline break"'), text);
  assert.ok(text.includes('"container:a\\"b" -> "container:c\\\\d" [label="link \\"q\\" | #x", style=bold];'), text);
  assert.ok(text.includes('subgraph "cluster s\\"p" {'));
});

test('order: the same network in any order of its spec draws the same text', () => {
  const a = specOf('version: 1\ncontainers:\n  b: {links: ["a:x"]}\n  a: {ports: ["80:80", "81:81"]}\n  c: {network: "container:a"}\n');
  const b = specOf('version: 1\ncontainers:\n  c: {network: "container:a"}\n  a: {ports: ["80:80", "81:81"]}\n  b: {links: ["a:x"]}\n');
  assert.is(renderMermaid(specGraph(a)), renderMermaid(specGraph(b)));
  assert.is(renderDot(specGraph(a)), renderDot(specGraph(b)));
  assert.is(renderMermaid(specGraph(a)), renderMermaid(specGraph(a)));
});

test('IPv6: a dual-stack bridge, its IPv6 addresses, and ports on both families or one', () => {
  const s = specOf(`version: 1
bridges:
  br6: {subnet: 10.6.0.0/24, subnet6: "fd00:6::/64"}
containers:
  w:
    ip6: "fd00:6::9"
    ports: ["8080:80", "[::]:8443:443", "0.0.0.0:53:53/udp"]
`);
  const text = renderDot(specGraph(s));
  assert.match(dotNode(text, 'bridge:br6') ?? '', /label="br6\\n10\.6\.0\.0\/24\\nfd00:6::\/64"/);
  assert.ok(text.includes('"container:w" -> "bridge:br6" [label="eth0 fd00:6::9"'), text);
  assert.match(dotNode(text, 'port:w/tcp/80/0') ?? '', /label="0\.0\.0\.0:8080\/tcp\\n\[::\]:8080\/tcp"/);
  assert.match(dotNode(text, 'port:w/tcp/443/1') ?? '', /label="\[::\]:8443\/tcp"/);
  assert.match(dotNode(text, 'port:w/udp/53/2') ?? '', /label="0\.0\.0\.0:53\/udp"/);
});

test('overlays: the bridge of this host, the VXLAN, every host with its part', () => {
  const s = specOf(`version: 1
overlays:
  ov:
    vni: 42
    subnet: 10.20.0.0/16
    hosts:
      h1: {underlay: 192.0.2.1, ipRange: 10.20.0.0/24}
      h2: {underlay: 192.0.2.2, ipRange: 10.20.1.0/24}
containers:
  c: {bridge: ov}
`);
  const text = renderDot(specGraph(s));
  assert.ok(text.includes('"bridge:ov" -> "overlay:ov" [label="vx-ov", dir=none];'), text);
  assert.ok(text.includes('"overlay:ov" -> "host:h2" [label="10.20.1.0/24", dir=none, style=dashed];'));
  assert.match(dotNode(text, 'host:h1') ?? '', /label="h1\\nunderlay 192\.0\.2\.1\\nthis host"/);
  assert.ok(text.includes('"container:c" -> "bridge:ov"'));
});

const DNAT = (hostPort: number, to: string, spec = 'g') => `! -i docker0 -p tcp -m tcp --dport ${hostPort} -m comment --comment tnet:${spec} -j DNAT --to-destination ${to}`;
const fw = (rules: string[]): FirewallObserved => ({ backend: 'nf_tables', sysctls: {}, tables: [{ table: 'nat', chains: { TNET: { policy: null, rules } } }] });

test('host ports tnet chose: from the spec DNAT rules on the host, else ?', () => {
  const s = specOf('version: 1\ncontainers:\n  a: {ports: ["80", "8080:80"]}\n');
  const ep = { container: 'a', address: '172.17.0.2/16', defaultRoute: true } as DesiredEndpoint;
  const rules = [DNAT(8080, '172.17.0.2:80'), DNAT(32768, '172.17.0.2:80'), DNAT(32769, '172.17.0.2:80', 'other')];
  const ports = chosenHostPorts(s, [ep], fw(rules));
  assert.equal(ports, { 'a/tcp/80': 32768 }, 'the explicit 8080 and another spec rule are not it');
  assert.match(renderMermaid(specGraph(s, ports)), />"0\.0\.0\.0:32768\/tcp"\]/);
  assert.match(renderMermaid(specGraph(s)), />"0\.0\.0\.0:\?\/tcp"\]/);
  assert.equal(chosenHostPorts(s, [ep], null), {});
});

test('from the host: bridges, veths, namespaces, a container: share and ports, by their marks only', () => {
  const observed = emptyObserved({
    links: [
      link({ name: 'docker0', kind: 'bridge', alias: 'tnet:quickstart/bridge/docker0', addrs: ['172.17.0.1/16'] }),
      link({ name: 'veth1234567', kind: 'veth', master: 'docker0', alias: 'tnet:quickstart/veth/nginx-1@172.17.0.2/16@netns@fac63c35' }),
      link({ name: 'veth7654321', kind: 'veth', master: 'docker0', alias: 'tnet:quickstart/veth/nginx-2@172.17.0.3/16@netns@01234567' }),
      link({ name: 'eth0', alias: null, addrs: ['192.0.2.9/24'] }),
      link({ name: 'br-other', kind: 'bridge', alias: 'someone else' }),
      link({ name: 'veth0000001', kind: 'veth', master: 'br-ext', alias: 'tnet:quickstart/veth/ext1@10.5.0.2/24@netns@01234567' }),
    ],
    netns: {
      'nginx-1': netns({ name: 'nginx-1', mark: 'tnet:quickstart/netns/nginx-1' }),
      'nginx-2': netns({ name: 'nginx-2', mark: 'tnet:quickstart/netns/nginx-2' }),
      sidecar: netns({ name: 'sidecar', mark: 'tnet:quickstart/netns/nginx-1' }),
      isolated: netns({ name: 'isolated', mark: 'tnet:quickstart/netns/isolated' }),
      ext1: netns({ name: 'ext1', mark: 'tnet:quickstart/netns/ext1' }),
      foreign: netns({ name: 'foreign', mark: null }),
    },
    firewall: fw([DNAT(8080, '172.17.0.2:80', 'quickstart'), DNAT(9999, '10.9.9.9:80', 'gone')]),
  });
  const g = hostGraph(observed);
  assert.equal(g.groups, ['quickstart']);
  assert.equal(g.nodes.map((n) => n.key), [
    'bridge:br-ext', 'bridge:docker0', 'container:ext1', 'container:isolated', 'container:nginx-1', 'container:nginx-2', 'container:sidecar',
    'port:nginx-1/tcp/80/0.0.0.0:8080',
  ]);
  const text = renderMermaid(g);
  assert.ok(text.includes(`${mermaidId('ct', 'nginx-1')} ---|"veth1234567 172.17.0.2/16"| br_docker0`), text);
  assert.ok(text.includes(`${mermaidId('ct', 'sidecar')} -.->|"container:nginx-1"| ${mermaidId('ct', 'nginx-1')}`));
  assert.match(text, />"0\.0\.0\.0:8080\/tcp"\]/);
  assert.match(text, /br_br_2dext\[\["br-ext<br\/>external"\]\]/, 'an external bridge a veth is enslaved to');
  assert.not.match(text, /\beth0\b|br-other|foreign|9999/);
});

test.run();
