// End to end, as root in throwaway namespaces: tnet's ip6tables rules for dual-stack bridges, as the kernel
// holds them — written beside other tools' IPv6 rules, stable, removed exactly, on both backends; not even
// read for an IPv4 spec; and the IPv6 sockets in a published port's way. They read rule sets and switches,
// not IPv6 traffic.

import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { applyOk, type Sandbox, TNET } from '../helpers/sandbox.js';
import { netSuite, restoreShim, rules, rules6 } from '../helpers/net.js';
import { until, Watch } from '../helpers/watch.js';

const t = netSuite('firewall: ip6tables');
const C = '-m comment --comment "tnet:six"';

const FOREIGN6 = `set -e
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -t nat -A POSTROUTING -s 10.99.0.0/16 -j MASQUERADE
ip6tables -A FORWARD -s 2001:db8:99::/48 -j ACCEPT
ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT
ip6tables -t nat -N OTHER6
ip6tables -t nat -A OTHER6 -p tcp --dport 2222 -j DNAT --to-destination [2001:db8:99::2]:22
ip6tables -t nat -A PREROUTING -j OTHER6
ip6tables -t nat -A POSTROUTING -s 2001:db8:99::/48 ! -d 2001:db8:99::/48 -j MASQUERADE`;

const DUAL = `version: 1
name: six
bridges:
  br6: { subnet: 10.70.0.0/24, subnet6: "fd00:70::/64", icc: false }
  lan4: { subnet: 10.71.0.0/24 }
  int6: { subnet: 10.72.0.0/24, subnet6: "fd00:72::/64", internal: true }
containers:
  web: { bridge: br6, ports: ["8080:80", "0.0.0.0:8081:81", "[::]:8082:82", "[2001:db8::1]:8083:83", "84"] }
  cli: { bridge: br6, links: [web] }
  v4: { bridge: lan4, ports: ["9090:80"] }
  db: { bridge: int6 }
`;

/** DUAL's bridges, IPv4 only, without the mappings only IPv6 can publish. */
const V4ONLY = DUAL.replace(/, subnet6: "[^"]+"/g, '').replace(/"\[[^"]+", /g, '');

const lines = (dump: string, chain: string): string[] => dump.split('\n').filter((l) => l.startsWith(`-A ${chain} `));

/** Every rule DUAL asks of ip6tables, as ip6tables-save prints it, the ephemeral port aside. */
function assertDualRules(v6: string, v4: string): void {
  const has = (dump: string, l: string) => assert.ok(dump.split('\n').includes(l), `missing: ${l}\n${dump}`);
  has(v6, '-A PREROUTING ! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET');
  has(v6, '-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -m comment --comment tnet -j TNET');
  // TNET jumps to br6's chain only: lan4 has no IPv6, int6 publishes nothing.
  assert.equal(lines(v6, 'TNET'), [`-A TNET ${C} -j TNET-DNAT-br6`]);
  const dnat = lines(v6, 'TNET-DNAT-br6');
  assert.equal(dnat.slice(0, 3), [
    `-A TNET-DNAT-br6 -p tcp -m tcp --dport 8080 ${C} -j DNAT --to-destination [fd00:70::2]:80`,
    `-A TNET-DNAT-br6 -p tcp -m tcp --dport 8082 ${C} -j DNAT --to-destination [fd00:70::2]:82`,
    `-A TNET-DNAT-br6 -d 2001:db8::1/128 -p tcp -m tcp --dport 8083 ${C} -j DNAT --to-destination [fd00:70::2]:83`,
  ]);
  // "84": one host port, chosen once, in both families.
  const eph = /--dport (\d+) .*\[fd00:70::2\]:84$/.exec(dnat[3])?.[1];
  assert.ok(eph && Number(eph) >= 32768, dnat.join('\n'));
  assert.ok(lines(v4, 'TNET-DNAT-br6').some((l) => l.includes(`--dport ${eph} `) && l.endsWith('10.70.0.2:84')), 'the same host port in IPv4');
  assert.is(dnat.length, 4, '8081 (0.0.0.0:) and lan4 have no IPv6 DNAT');
  assert.not.match(lines(v4, 'TNET-DNAT-br6').join('\n'), /--dport 808[23] /, '[::]: and [2001:db8::1]: have no IPv4 DNAT');
  assert.equal(lines(v6, 'TNET-POSTROUTING'), [`-A TNET-POSTROUTING -s fd00:70::/64 ! -o br6 ${C} -j MASQUERADE`, `-A TNET-POSTROUTING -o br6 ${C} -j TNET-HAIRPIN-br6`]);
  has(v6, `-A TNET-HAIRPIN-br6 -s fd00:70::2/128 -d fd00:70::2/128 -p tcp -m tcp --dport 80 ${C} -j MASQUERADE`);
  has(v6, `-A TNET-FORWARD -o br6 ${C} -j TNET-PORTS-br6`);
  has(v6, `-A TNET-PORTS-br6 -d fd00:70::2/128 ! -i br6 -o br6 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`);
  assert.equal(lines(v6, 'TNET-ISOLATION-2'), [`-A TNET-ISOLATION-2 -o br6 ${C} -j DROP`, `-A TNET-ISOLATION-2 -o int6 ${C} -j DROP`]);
  has(v6, `-A TNET-ISOLATION-1 ! -s fd00:72::/64 -o int6 ${C} -j DROP`);
  has(v6, `-A TNET-FORWARD -s fd00:70::3/128 -d fd00:70::2/128 -i br6 -o br6 -p tcp -m tcp --dport 80 ${C} -j ACCEPT`);
  has(v6, `-A TNET-FORWARD -i br6 -o br6 ${C} -j DROP`);
  assert.not.match(v6, /lan4|127\.0\.0\.0| -d ::1\/128 -i/, 'no IPv4-only bridge, no loopback rule');
  // Every rule in tnet's chains is marked, and the jumps open FORWARD before the foreign rule.
  for (const l of v6.split('\n').filter((x) => /^-A TNET/.test(x))) assert.match(l, /-m comment --comment (tnet|"tnet:six") /);
  assert.equal(lines(v6, 'FORWARD'), [
    '-A FORWARD -m comment --comment tnet -j TNET-USER',
    '-A FORWARD -m comment --comment tnet -j TNET-ISOLATION-1',
    '-A FORWARD -m comment --comment tnet -j TNET-FORWARD',
    '-A FORWARD -s 2001:db8:99::/48 -j ACCEPT',
  ]);
}

const foreign6 = (dump: string): string[] => dump.split('\n').filter((l) => l.includes('2001:db8:99:') || l.includes('OTHER6') || l.includes('--dport 22 '));

t('nf_tables: a dual-stack spec among foreign IPv6 rules, a no-op re-apply, destroy restores ip6tables-save exactly', async ({ box }) => {
  await box.must(FOREIGN6);
  await box.must('echo 0 > /proc/sys/net/bridge/bridge-nf-call-ip6tables');
  const [pristine4, pristine6] = [await rules(box), await rules6(box)];
  assert.is(foreign6(pristine6).length, 6);
  const shim = await restoreShim(box);
  const spec = box.writeSpec('six.yaml', DUAL);
  const first = await shim.tnet('apply', '-f', spec);
  assert.is(first.code, 0, first.stderr + first.stdout);
  assert.match(first.stdout, /~ ip6tables filter: /);
  assert.match(first.stdout, /~ ip6tables nat: /);
  const calls = shim.log().split('\n').filter((l) => l.startsWith('== '));
  assert.is(calls.length, 2, `one restore per family:\n${calls.join('\n')}`);
  assert.ok(calls.some((c) => /\/ip6tables-nft-restore --noflush/.test(c)), calls.join('\n'));
  const [v4, v6] = [await rules(box), await rules6(box)];
  assertDualRules(v6, v4);
  assert.equal(foreign6(v6), foreign6(pristine6), 'the foreign IPv6 rules are untouched');
  assert.not.match(await rules6(box, 'ip6tables-legacy-save'), /TNET/, 'nothing in legacy');
  assert.is((await box.must('cat /proc/sys/net/bridge/bridge-nf-call-ip6tables')).trim(), '1');

  shim.clear();
  const again = await shim.tnet('apply', '-f', spec);
  assert.match(again.stdout, /No changes/);
  assert.is(shim.log(), '', 'no restore of either family');
  assert.is(await rules6(box), v6);

  const destroy = await box.tnet('destroy', '-f', spec);
  assert.is(destroy.code, 0, destroy.stderr);
  assert.is(await rules6(box), pristine6, 'ip6tables-save as before tnet');
  assert.is(await rules(box), pristine4, 'iptables-save as before tnet');
  assert.match((await box.tnet('destroy', '-f', spec)).stdout, /No changes/);
});

t('legacy: the IPv6 rules go to ip6tables-legacy as the IPv4 ones to iptables-legacy, none to nf_tables', async ({ box }) => {
  await box.must('iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT; ip6tables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT; ip6tables-legacy -t nat -A POSTROUTING -s 2001:db8:99::/48 -j MASQUERADE');
  const pristine6 = await rules6(box, 'ip6tables-legacy-save');
  const spec = box.writeSpec('six.yaml', DUAL);
  await applyOk(box, spec);
  const v6 = await rules6(box, 'ip6tables-legacy-save');
  assertDualRules(v6.replace('-A FORWARD -m comment --comment tnet -j TNET-FORWARD', '$&\n-A FORWARD -s 2001:db8:99::/48 -j ACCEPT'), await rules(box, 'iptables-legacy-save'));
  assert.ok(v6.split('\n').includes('-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'));
  assert.not.match(await rules6(box, 'ip6tables-nft-save'), /TNET/, 'the backends are never mixed');
  assert.not.match(await rules(box, 'iptables-nft-save'), /TNET/);
  assert.match(await applyOk(box, spec), /No changes/);
  assert.is((await box.tnet('destroy', '-f', spec)).code, 0);
  assert.is(await rules6(box, 'ip6tables-legacy-save'), pristine6);
});

/** The programs a run of tnet started, from TNET_EXEC_LOG. */
async function commandsOf(box: Sandbox, ...args: string[]): Promise<{ out: string; cmds: string[] }> {
  const log = join(box.dir, `exec-${Date.now()}.log`);
  const r = await box.run(['env', `TNET_EXEC_LOG=${log}`, ...TNET, ...args]);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const cmds = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as string[])[0]);
  return { out: r.stdout, cmds };
}

const ip6Saves = (cmds: string[]) => cmds.filter((c) => /^ip6tables.*-save$/.test(c));

t('an IPv4 spec runs no ip6tables-save; subnet6 dropped while the bridge holds its IPv6 address: its IPv6 rules go', async ({ box }) => {
  await box.must(FOREIGN6);
  const pristine6 = await rules6(box);
  const spec = box.writeSpec('six.yaml', V4ONLY);
  for (const run of ['apply', 're-apply']) {
    const { cmds } = await commandsOf(box, 'apply', '-f', spec);
    assert.equal(ip6Saves(cmds), [], `${run} of an IPv4 spec: no ip6tables-save`);
    assert.ok(cmds.includes('iptables-nft-save'), `${run}: iptables-save as ever`);
  }
  assert.is(await rules6(box), pristine6);

  box.writeSpec('six.yaml', DUAL);
  const dual = await commandsOf(box, 'apply', '-f', spec);
  assert.equal(ip6Saves(dual.cmds), ['ip6tables-nft-save']);
  assertDualRules(await rules6(box), await rules(box));
  // The bridges hold their IPv6 gateways, which tnet gave them.
  assert.match(await box.must('ip -6 addr show dev br6 scope global'), /fd00:70::1\/64/);

  box.writeSpec('six.yaml', V4ONLY);
  const dropped = await commandsOf(box, 'apply', '-f', spec);
  assert.equal(ip6Saves(dropped.cmds), ['ip6tables-nft-save'], 'read: its bridges still hold IPv6 addresses');
  assert.match(dropped.out, /ip6tables filter: .*delete/);
  assert.is(await rules6(box), pristine6, "the spec's IPv6 rules are gone, the foreign ones stay");
  assert.match((await commandsOf(box, 'apply', '-f', spec)).out, /No changes/);
  // Once its bridges hold no IPv6 address, ip6tables is not read again.
  await box.must('ip -6 addr flush dev br6 scope global; ip -6 addr flush dev int6 scope global');
  assert.equal(ip6Saves((await commandsOf(box, 'apply', '-f', spec)).cmds), []);
  // Destroy reads both families, and leaves both as they were.
  const destroy = await commandsOf(box, 'destroy', '-f', spec);
  assert.equal(ip6Saves(destroy.cmds), ['ip6tables-nft-save']);
  assert.is(await rules6(box), pristine6);
});

t('host.ip6tables false removes the IPv6 rules and keeps the IPv4 ones; iptables false removes both', async ({ box }) => {
  await box.must(FOREIGN6);
  const [pristine4, pristine6] = [await rules(box), await rules6(box)];
  const spec = box.writeSpec('six.yaml', DUAL);
  await applyOk(box, spec);
  const v4 = await rules(box);
  box.writeSpec('six.yaml', `${DUAL.replace('name: six', 'name: six\nhost: { ip6tables: false }')}`);
  const off = await applyOk(box, spec);
  assert.match(off, /ip6tables nat: /);
  assert.not.match(off, /~ iptables /, 'IPv4 untouched');
  assert.is(await rules6(box), pristine6);
  assert.is(await rules(box), v4);
  assert.match(await applyOk(box, spec), /No changes/);

  box.writeSpec('six.yaml', DUAL);
  await applyOk(box, spec);
  assertDualRules(await rules6(box), await rules(box));
  box.writeSpec('six.yaml', `${DUAL.replace('name: six', 'name: six\nhost: { iptables: false }')}`);
  await applyOk(box, spec);
  assert.is(await rules6(box), pristine6);
  assert.is(await rules(box), pristine4);
  assert.match(await applyOk(box, spec), /No changes/);
});

// Holds a port until killed: tcp on an address, IPv6-only when asked; prints "ready" once bound.
const LISTENER = `
const [ip, port, v6only] = process.argv.slice(1);
require('net').createServer((s) => s.end('host\\n')).listen({ host: ip, port: Number(port), ipv6Only: v6only === '1' }, () => console.log('ready'));
setTimeout(() => process.exit(0), 120000).unref();
`;

async function listen(box: Sandbox, ip: string, port: number, v6only: boolean): Promise<ChildProcess> {
  const child = box.spawn([process.execPath, '-e', LISTENER, ip, String(port), v6only ? '1' : '0']);
  await new Promise<void>((ok, ko) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && ok());
    child.once('exit', (c) => ko(new Error(`listener ${ip}:${port} exited with ${c}`)));
  });
  return child;
}

const publishing = (ports: string[]) => `version: 1
name: six
bridges:
  br6: { subnet: 10.70.0.0/24, subnet6: "fd00:70::/64" }
containers:
  web: { bridge: br6, ports: ${JSON.stringify(ports)} }
`;

t('IPv6 sockets in the way: on [::] of both families, on an IPv6 address of IPv6 mappings only, on [::1] of none', async ({ box }) => {
  await box.must('ip -6 addr add 2001:db8:1::1/64 dev uplink nodad');
  const dual = await listen(box, '::', 8070, false);
  const onAddress = await listen(box, '2001:db8:1::1', 8072, false);
  const ip6Loop = await listen(box, '::1', 8071, false);
  try {
    const spec = box.writeSpec('six.yaml', publishing(['8070:80']));
    const refused = await box.tnet('apply', '-f', spec);
    assert.is(refused.code, 3, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /publishes 0\.0\.0\.0:8070\/tcp, but .* already listens on tcp \[::\]:8070/, refused.stderr);
    assert.match(refused.stderr, /publishes \[::\]:8070\/tcp, but .* already listens on tcp \[::\]:8070/, refused.stderr);
    assert.not.match(await rules6(box), /TNET/, 'nothing written');
    assert.is((await box.sh('ip link show br6')).code, 1, 'nothing created');

    const v6 = await box.tnet('apply', '-f', box.writeSpec('six.yaml', publishing(['8072:82'])));
    assert.is(v6.code, 3, 'every IPv6 address takes 2001:db8:1::1 over');
    assert.match(v6.stderr, /publishes \[::\]:8072\/tcp, but .* already listens on tcp \[2001:db8:1::1\]:8072/);
    assert.not.match(v6.stderr, /0\.0\.0\.0:8072/, 'no IPv4 port held by it');
    assert.is((await box.tnet('apply', '-f', box.writeSpec('six.yaml', publishing(['[2001:db8:1::1]:8072:82'])))).code, 3);
    // IPv4 only, or another IPv6 address: free. A port on every address leaves [::1] alone: free as well.
    await applyOk(box, box.writeSpec('six.yaml', publishing(['0.0.0.0:8072:82', '[2001:db8:1::2]:8072:83', '8071:81'])));
    const rules = await rules6(box);
    assert.match(rules, /-d 2001:db8:1::2\/128 -p tcp -m tcp --dport 8072 .*\[fd00:70::2\]:83/);
    assert.match(rules, /-p tcp -m tcp --dport 8071 .*\[fd00:70::2\]:81/);
  } finally {
    for (const c of [dual, onAddress, ip6Loop]) c.kill('SIGKILL');
  }
});

t('a host port chosen for an IPv6-only mapping is held from its ip6tables DNAT rule', async ({ box }) => {
  // The lowest ephemeral port busy at the first apply: the mapping gets the next one.
  const busy = await listen(box, '::', 32768, false);
  const spec = box.writeSpec('six.yaml', publishing(['[::]::80']));
  const port = async () => /--dport (\d+) .*\[fd00:70::2\]:80$/m.exec(await rules6(box))?.[1];
  try {
    await applyOk(box, spec);
    assert.is(await port(), '32769');
  } finally {
    busy.kill('SIGKILL');
  }
  // 32768 free again: chosen anew the port would move there; read back from the rule, it stays.
  assert.match(await applyOk(box, spec), /No changes/);
  assert.is(await port(), '32769');
});

t('watch: an ip6tables rule deleted by hand is repaired through firewall events', async ({ box }) => {
  const spec = box.writeSpec('six.yaml', publishing(['8080:80']));
  const w = Watch.start(box, spec, '--resync', '60s');
  try {
    await w.ready();
    await new Promise((r) => setTimeout(r, 500)); // the start-up's own echoes
    const before = await rules6(box);
    const dnat = lines(before, 'TNET-DNAT-br6')[0];
    assert.match(dnat, /\[fd00:70::2\]:80$/);
    const from = w.lines.length;
    await box.must(`ip6tables -t nat ${dnat.replace(/^-A /, '-D ')}`);
    assert.not.match(await rules6(box), /--dport 8080 /);
    const took = await until(async () => (await rules6(box)) === before, 2000, 'the IPv6 DNAT rule restored');
    const fixed = await w.waitFor((l) => l.message.startsWith('applied'), 100, from);
    assert.is(fixed.trigger, 'kernel');
    console.log(`    ip6tables rule deleted -> restored through xtables-monitor: ${Math.round(took)} ms`);
    assert.is(await w.stop(), 0);
  } finally {
    await w.kill();
  }
});

t.run();
