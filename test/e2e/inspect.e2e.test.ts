// End to end, as root in throwaway namespaces: `tnet inspect` and `tnet port` against what the kernel holds
// (the DNAT rules of iptables-save, the addresses of `ip`), apply naming the host ports it chose, and the
// progress line drawn on a terminal only.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyOk, Sandbox, TNET } from '../helpers/sandbox.js';

const t = suite<{ box: Sandbox; spec: string }>('inspect and port');

const SPEC = `version: 1
name: demo
bridges:
  br6:
    subnet: 10.60.0.0/24
    subnet6: fd00:60::/64
containers:
  web:
    bridge: br6
    ports: ["80", "8080:81", "127.0.0.1::82/udp"]
  db: { bridge: br6 }
  side: { network: "container:web" }
`;

t.before.each(async (ctx) => {
  ctx.box = await Sandbox.create();
  ctx.spec = ctx.box.writeSpec('demo.yaml', SPEC);
});
t.after.each(async (ctx) => {
  await ctx.box.destroy();
});

interface Port {
  containerPort: number;
  proto: string;
  family: number;
  hostIp: string;
  hostPort: number;
  chosen: boolean | null;
}

/** `proto hostIp:hostPort -> toIp:toPort` of every DNAT rule of the spec, read from iptables-save (or ip6tables-save) itself. */
async function dnatRules(box: Sandbox, save: 'iptables-save' | 'ip6tables-save'): Promise<string[]> {
  const nat = (await box.sh(`${save} -t nat`)).stdout;
  const rules = nat.split('\n').filter((l) => l.startsWith('-A TNET-DNAT-') && l.includes('"tnet:demo"') && l.includes('-j DNAT'));
  return rules.map((l) => {
    const bound = /^-A TNET-DNAT-\S+ -d (\S+)\/(?:32|128) /.exec(l)?.[1] ?? (save === 'iptables-save' ? '0.0.0.0' : '::');
    const m = /-p (\w+) .*--dport (\d+) .*--to-destination \[?([0-9a-f.:]+?)\]?:(\d+)$/.exec(l);
    assert.ok(m, `a DNAT rule: ${l}`);
    return `${m![1]} ${bound}:${m![2]} -> ${m![3]}:${m![4]}`;
  }).sort();
}

/** The same, from inspect's JSON: each container's ports, to the address of its network of that family. */
function inspectRules(objects: any[], family: 4 | 6): string[] {
  return objects.filter((o) => o.kind === 'container').flatMap((c) => {
    const to = c.networks[0]?.[family === 4 ? 'ipv4' : 'ipv6']?.split('/')[0];
    return (c.ports as Port[]).filter((p) => p.family === family).map((p) => `${p.proto} ${p.hostIp}:${p.hostPort} -> ${to}:${p.containerPort}`);
  }).sort();
}

t('inspect -o json parses, and its ports are what iptables-save holds, the ephemeral ones with their real numbers', async ({ box, spec }) => {
  const applied = await box.tnet('apply', '-f', spec);
  assert.is(applied.code, 0, applied.stderr);
  const chosen = applied.stdout.split('\n').filter((l) => l.startsWith('published '));
  const eph = Number(/^published web 80\/tcp -> 0\.0\.0\.0:(\d+)$/m.exec(applied.stdout)?.[1]);
  assert.ok(eph >= 32768 && eph <= 60999, applied.stdout);
  assert.match(applied.stdout, /^published web 82\/udp -> 127\.0\.0\.1:\d+$/m);
  // Where ip6tables rules are written, 80 is published on [::] too, with the same host port.
  assert.equal(chosen.filter((l) => !l.includes('[::]')).length, 2, applied.stdout);
  assert.ok(chosen.filter((l) => l.includes('[::]')).every((l) => l === `published web 80/tcp -> [::]:${eph}`), applied.stdout);
  assert.not.match(applied.stdout, /published web 81/, 'an explicit host port is the spec\'s, not chosen');

  for (const args of [['inspect', '-o', 'json'], ['inspect', '-o', 'json', '-f', spec]]) {
    const r = await box.tnet(...args);
    assert.is(r.code, 0, r.stderr);
    const objects = JSON.parse(r.stdout) as any[];
    assert.ok(objects.every((o) => ['bridge', 'overlay', 'container'].includes(o.kind)));
    assert.equal(inspectRules(objects, 4), await dnatRules(box, 'iptables-save'), args.join(' '));
    assert.equal(inspectRules(objects, 6), await dnatRules(box, 'ip6tables-save'), `${args.join(' ')}: IPv6`);
    const web = objects.find((o) => o.name === 'web');
    assert.ok(web.ports.some((p: Port) => p.containerPort === 80 && p.hostPort === eph), JSON.stringify(web.ports));
    // Addresses as `ip` shows them, both families.
    const [v4, v6] = [await box.must('ip -n web -4 -o addr show eth0'), await box.must('ip -n web -6 -o addr show eth0 scope global')];
    assert.ok(v4.includes(web.networks[0].ipv4), `${web.networks[0].ipv4} in ${v4}`);
    assert.ok(v6.includes(web.networks[0].ipv6), `${web.networks[0].ipv6} in ${v6}`);
    assert.is(web.networks[0].mac, (await box.json('ip -n web -j link show eth0'))[0].address);
    assert.is(web.netns, '/run/netns/web');
  }
  const withSpec = JSON.parse((await box.tnet('inspect', '-o', 'json', '-f', spec)).stdout) as any[];
  assert.equal(withSpec.map((o) => `${o.kind} ${o.name} ${o.state}`), ['bridge br6 in sync', 'container web in sync', 'container db in sync', 'container side in sync']);
  const web = withSpec.find((o) => o.name === 'web');
  assert.equal([...new Set(web.ports.map((p: Port) => `${p.containerPort} ${p.chosen}`))], ['80 true', '81 false', '82 true'], 'chosen: by tnet, or named by the spec');
});

t('inspect of a bridge lists its containers with their veths; drift shows as missing under -f', async ({ box, spec }) => {
  await applyOk(box, spec);
  const [bridge] = JSON.parse((await box.tnet('inspect', 'br6', '-o', 'json')).stdout) as any[];
  assert.equal([bridge.kind, bridge.subnet, bridge.gateway, bridge.subnet6, bridge.gateway6], ['bridge', '10.60.0.0/24', '10.60.0.1', 'fd00:60::/64', 'fd00:60::1']);
  assert.equal(bridge.containers.map((m: any) => m.name), ['db', 'web']);
  const ports = (await box.must('ip -o link show master br6')).split('\n').filter(Boolean).map((l) => l.split(': ')[1].split('@')[0]).sort();
  assert.equal(bridge.containers.map((m: any) => m.hostVeth).sort(), ports, 'the bridge ports the kernel lists');

  const text = await box.tnet('inspect', 'br6');
  assert.match(text.stdout, /^bridge br6 \(spec demo, owned\)\n/);
  assert.match(text.stdout, /containers +db 10\.60\.0\.3\/24 fd00:60::3\/64 \(veth\w+\)\n +web 10\.60\.0\.2\/24 fd00:60::2\/64 \(veth\w+\)/);

  const dbVeth = bridge.containers.find((m: any) => m.name === 'db').hostVeth;
  await box.must(`ip link del ${dbVeth}`);
  const r = await box.tnet('inspect', '-f', spec, '-o', 'json', 'db', 'web');
  const [db, web] = JSON.parse(r.stdout) as any[];
  assert.equal([db.name, db.state, web.state], ['db', 'missing', 'in sync']);
  assert.ok(db.changes.some((c: string) => c.startsWith(`+ veth ${dbVeth}`)), db.changes.join('\n'));
});

t('port: every mapping as docker port prints it, one private port\'s host side, and the errors with exit 1', async ({ box, spec }) => {
  await applyOk(box, spec);
  // What docker port would print, from the rules themselves: IPv4's, and IPv6's where ip6tables rules are written.
  const lines = [...(await dnatRules(box, 'iptables-save')), ...(await dnatRules(box, 'ip6tables-save'))].flatMap((r) => {
    const m = /^(\w+) (\S+):(\d+) -> (\S+):(\d+)$/.exec(r)!;
    if (m[4] !== '10.60.0.2' && m[4] !== 'fd00:60::2') return [];
    return [`${m[5]}/${m[1]} -> ${m[2].includes(':') ? `[${m[2]}]` : m[2]}:${m[3]}`];
  });
  const eph = lines.find((l) => l.startsWith('80/tcp -> 0.0.0.0:'))?.split(':').pop();
  const udp = lines.find((l) => l.startsWith('82/udp -> 127.0.0.1:'))?.split(':').pop();
  assert.ok(eph && udp && lines.includes('81/tcp -> 0.0.0.0:8080'), lines.join('\n'));
  const all = await box.tnet('port', 'web');
  assert.is(all.code, 0, all.stderr);
  assert.equal(all.stdout.split('\n').sort(), lines.sort());
  assert.is(all.stdout.split('\n')[0], `80/tcp -> 0.0.0.0:${eph}`, 'by private port, IPv4 first');
  const eighty = (await box.tnet('port', 'web', '80')).stdout.split('\n');
  assert.is(eighty[0], `0.0.0.0:${eph}`, 'one private port: the host side alone');
  assert.ok(eighty.slice(1).every((l) => l === `[::]:${eph}`), eighty.join('\n'));
  assert.is((await box.tnet('port', 'web', '82/udp', '-f', spec)).stdout, `127.0.0.1:${udp}`);
  assert.is((await box.tnet('port', 'db')).stdout, '', 'nothing published: nothing printed');

  const unknown = await box.tnet('port', 'web', '81/udp');
  assert.is(unknown.code, 1);
  assert.is(unknown.stdout, '');
  assert.match(unknown.stderr, /^error\[no-public-port\]: no public port '81\/udp' published for web\n/);
  const ghost = await box.tnet('port', 'ghost');
  assert.is(ghost.code, 1);
  assert.match(ghost.stderr, /error\[no-such-object\]: no container named 'ghost'/);
  assert.is((await box.tnet('port', 'web', 'http')).code, 64, 'not a port: a usage error');

  const some = await box.tnet('inspect', 'ghost', 'db', '-o', 'json');
  assert.is(some.code, 1, 'an unknown name fails the command');
  assert.equal((JSON.parse(some.stdout) as any[]).map((o) => o.name), ['db'], 'the others still printed');
  assert.match(some.stderr, /error\[no-such-object\]: no container, bridge or overlay named 'ghost'/);
});

t('progress: nothing when stderr is not a terminal; on a terminal, phases drawn in place, then cleared', async ({ box, spec }) => {
  const piped = await box.tnet('apply', '-f', spec);
  assert.is(piped.code, 0);
  assert.is(piped.stderr, '', 'not a terminal: no progress');
  assert.not.match(piped.stdout, /\r|\x1b/);
  // `script` gives the command a terminal: what a user at one sees.
  const cli = TNET.join(' ');
  const tty = await box.sh(`script -qec '${cli} destroy -f ${spec}' /dev/null`);
  assert.is(tty.code, 0, tty.stdout);
  assert.match(tty.stdout, /\r\x1b\[2Ktnet destroy: reading the host, [\d.]+ s/);
  assert.match(tty.stdout, /\r\x1b\[2Ktnet destroy: prune batch \(\d+ actions\), [\d.]+ s/);
  assert.match(tty.stdout, /\r\x1b\[2KDestroying spec 'demo':/, 'the line is cleared before the plan is printed');
});

t.run();
