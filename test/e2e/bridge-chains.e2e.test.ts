// End to end, as root in throwaway namespaces: the per-port rules in chains of their bridge. An edit of one
// container's port restores only its bridge's chain; a host whose rules have the layout of a version that
// kept them in TNET, TNET-FORWARD and TNET-POSTROUTING is moved to the new one in one restore per family,
// with no namespace or link touched; destroy then leaves both rule sets as they were.

import * as assert from 'uvu/assert';
import { applyOk, type Sandbox } from '../helpers/sandbox.js';
import { HOST_IP, netSuite, OUTSIDE_IP, restoreShim, rules, rules6, tcp } from '../helpers/net.js';

const t = netSuite('firewall: per-bridge chains');

const SPEC = (port: number) => `version: 1
name: chains
bridges:
  br-a: { subnet: 10.81.0.0/24, subnet6: "fd00:81::/64" }
  br-b: { subnet: 10.82.0.0/24, icc: false }
containers:
  a1: { bridge: br-a, ports: ["8001:80"] }
  a2: { bridge: br-a, ports: ["${port}:80", "9000:90/udp"] }
  b1: { bridge: br-b, ports: ["8003:80"] }
`;

/**
 * The tables of the restore inputs a shim log holds, each with its lines (without the table and COMMIT
 * lines). iptables and ip6tables restores run side by side and log to one file: the blocks are told apart
 * by table, not by command.
 */
function restoreBlocks(log: string): { table: string; lines: string[] }[] {
  const out: { table: string; lines: string[] }[] = [];
  let block: { table: string; lines: string[] } | null = null;
  for (const l of log.split('\n')) {
    if (l.startsWith('*')) out.push((block = { table: l.slice(1), lines: [] }));
    else if (l === 'COMMIT') block = null;
    else if (block && l && !l.startsWith('== ')) block.lines.push(l);
  }
  return out;
}

const BRIDGE_CHAIN = /^TNET-(DNAT|PORTS|HAIRPIN)-/;

/**
 * The restore input that gives a rule set the previous layout: each jump into a bridge's chain replaced by
 * that chain's rules, the bridges' chains deleted (as iptables-save prints them: `-A <chain> <rule>`).
 */
function oldLayout(save: string): string {
  const out: string[] = [];
  for (const block of save.split(/^(?=\*)/m).filter((b) => b.startsWith('*'))) {
    const table = block.split('\n')[0];
    const rulesOf = new Map<string, string[]>();
    for (const l of block.split('\n')) {
      const m = /^-A (\S+) (.*)$/.exec(l);
      if (m) rulesOf.set(m[1], [...(rulesOf.get(m[1]) ?? []), m[2]]);
    }
    const bridgeChains = [...rulesOf.keys()].filter((c) => BRIDGE_CHAIN.test(c));
    if (bridgeChains.length === 0) continue;
    const shared = [...rulesOf.keys()].filter((c) => c.startsWith('TNET') && !BRIDGE_CHAIN.test(c) && rulesOf.get(c)!.some((r) => / -j TNET-(DNAT|PORTS|HAIRPIN)-\S+$/.test(r)));
    out.push(table, ...[...shared, ...bridgeChains].map((c) => `:${c} - [0:0]`));
    for (const c of shared) {
      for (const r of rulesOf.get(c)!) {
        const target = / -j (\S+)$/.exec(r)?.[1];
        for (const inner of target && BRIDGE_CHAIN.test(target) ? rulesOf.get(target)! : [r]) out.push(`-A ${c} ${inner}`);
      }
    }
    out.push(...bridgeChains.map((c) => `-X ${c}`), 'COMMIT');
  }
  return `${out.join('\n')}\n`;
}

/** Every link of the host and of each namespace, with its index and alias (the seal): what an apply could change. */
async function links(box: Sandbox): Promise<string> {
  const ns = (await box.must('ip netns list')).split('\n').map((l) => l.split(' ')[0]).filter(Boolean).sort();
  const show = (n: string | null) => box.must(`ip ${n ? `-n ${n} ` : ''}-o link show | sed 's/ state [A-Z]* / /'`);
  return (await Promise.all([show(null), ...ns.map(show)])).join('\n');
}

t('an edit of one container\'s port restores its bridge\'s chain only', async ({ box, servers }) => {
  const spec = box.writeSpec('chains.yaml', SPEC(8002));
  await applyOk(box, spec);
  const shim = await restoreShim(box);
  const nat = await box.must('iptables -t nat -S TNET');
  assert.match(nat, /^-A TNET -m comment --comment "?tnet:chains"? -j TNET-DNAT-br-a$/m);
  assert.match(nat, /^-A TNET -m comment --comment "?tnet:chains"? -j TNET-DNAT-br-b$/m);
  assert.match(await box.must('iptables -S TNET-FORWARD'), /^-A TNET-FORWARD -o br-a .*-j TNET-PORTS-br-a$/m);
  assert.match(await box.must('iptables -t nat -S TNET-POSTROUTING'), /^-A TNET-POSTROUTING -o br-b .*-j TNET-HAIRPIN-br-b$/m);
  assert.match(await box.must('ip6tables -t nat -S TNET-DNAT-br-a'), /--dport 8002 .*-j DNAT --to-destination \[fd00:81::\w+\]:80$/m);

  box.writeSpec('chains.yaml', SPEC(8012));
  const edit = await shim.tnet('apply', '-f', spec);
  assert.is(edit.code, 0, edit.stderr);
  const blocks = restoreBlocks(shim.log());
  assert.equal(blocks.map((b) => b.table), ['nat', 'nat'], `the nat table of each family only:\n${shim.log()}`);
  for (const b of blocks) {
    assert.equal(b.lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['-D TNET-DNAT-br-a', '-I TNET-DNAT-br-a'], "one rule out, one in, in br-a's DNAT chain");
  }
  await servers.start('a2', 'a2', { tcp: [80] });
  assert.is(await tcp(box, 'outside', HOST_IP, 8012), `a2 ${OUTSIDE_IP}`);
  assert.match(await tcp(box, 'outside', HOST_IP, 8002, 1000), /^(ERR ECONNREFUSED|TIMEOUT)$/);
});

t('the previous layout is moved into the bridges\' chains in one restore per family; no link changes; destroy restores both rule sets', async ({ box, servers }) => {
  // Other tools' rules in every table: kept throughout, and what destroy must leave exactly.
  await box.must(`set -e
iptables -A FORWARD -s 10.99.0.0/16 -j ACCEPT
iptables -t nat -A POSTROUTING -s 10.99.0.0/16 ! -d 10.99.0.0/16 -j MASQUERADE
ip6tables -A FORWARD -s 2001:db8:99::/48 -j ACCEPT
ip6tables -t nat -A POSTROUTING -s 2001:db8:99::/48 -j MASQUERADE`);
  const [pristine, pristine6] = [await rules(box), await rules6(box)];
  const spec = box.writeSpec('chains.yaml', SPEC(8002));
  await applyOk(box, spec);
  const [current, current6] = [await rules(box), await rules6(box)];
  // The rules as the previous version wrote them, in the sandbox's kernel.
  await box.must(`iptables-restore --noflush <<'EOF'\n${oldLayout(current)}EOF`);
  await box.must(`ip6tables-restore --noflush <<'EOF'\n${oldLayout(current6)}EOF`);
  const old = await rules(box);
  assert.not.match(old, /TNET-(DNAT|PORTS|HAIRPIN)-/);
  assert.match(old, /^-A TNET -p tcp -m tcp --dport 8001 .*-j DNAT --to-destination 10\.81\.0\.2:80$/m);
  assert.match(old, /^-A TNET-FORWARD -d 10\.82\.0\.2\/32 ! -i br-b -o br-b -p tcp .*-j ACCEPT$/m);
  await servers.start('b1', 'b1', { tcp: [80] });
  assert.is(await tcp(box, 'outside', HOST_IP, 8003), `b1 ${OUTSIDE_IP}`, 'the old layout works');

  const before = await links(box);
  const shim = await restoreShim(box);
  const r = await shim.tnet('apply', '-f', spec);
  assert.is(r.code, 0, r.stderr);
  const calls = shim.log().split('\n').filter((l) => l.startsWith('== '));
  assert.is(calls.length, 2, `one restore per family:\n${shim.log()}`);
  assert.equal(restoreBlocks(shim.log()).map((b) => b.table).sort(), ['filter', 'filter', 'nat', 'nat'], 'filter and nat of each family');
  assert.is(await rules(box), current, 'the rule set a fresh apply writes');
  assert.is(await rules6(box), current6);
  assert.is(await links(box), before, 'no namespace or link changed');
  assert.is(await tcp(box, 'outside', HOST_IP, 8003), `b1 ${OUTSIDE_IP}`, 'the new layout works');
  assert.match(await applyOk(box, spec), /No changes/);

  await servers.stopAll();
  const destroy = await box.tnet('destroy', '-f', spec);
  assert.is(destroy.code, 0, destroy.stderr);
  assert.is(await rules(box), pristine, 'destroy leaves iptables as it was');
  assert.is(await rules6(box), pristine6, 'and ip6tables');
});

t.run();
