// The action table: every op has a sign and a text, ip lines stay as they were, a link-set's renderings agree.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Action, ActionOp, LinkSettings } from '../../src/model/action.js';
import { batchLines, describe, ipLines, sign, workerOp } from '../../src/actuate/link-ops.js';
import { packageFile } from '../../src/util/package-files.js';

// A record, so that TypeScript asks for an example of every op.
const EXAMPLES: { [K in ActionOp]: Extract<Action, { op: K }> } = {
  'netns-add': { op: 'netns-add', name: 'a' },
  'netns-attach': { op: 'netns-attach', name: 'a', source: '/proc/42/ns/net' },
  'netns-del': { op: 'netns-del', name: 'a' },
  'netns-mark': { op: 'netns-mark', name: 'a', mark: 'tnet:q/netns/a' },
  'bridge-add': { op: 'bridge-add', name: 'docker0', mac: '02:42:ac:11:00:01', mtu: 1500, mark: 'tnet:q/bridge/docker0' },
  'veth-add': { op: 'veth-add', hostIf: 'veth1234567', peer: 'eth0', netns: 'a', mtu: 1500, mark: 'tnet:q/veth/a' },
  'vxlan-add': { op: 'vxlan-add', ns: null, name: 'vx-ov1', vni: 42, local: '198.18.1.1', port: 4789, mtu: 1450, mark: 'tnet:q/vxlan/ov1' },
  'uplink-attach': { op: 'uplink-attach', ns: null, bridge: 'br0', uplink: 'eth1', take: ['198.18.1.1/24'], addrs: ['198.18.1.1/24'], via: '198.18.1.254', record: 'tnet:q/uplink/br0' },
  'uplink-detach': { op: 'uplink-detach', ns: null, bridge: 'br0', uplink: 'eth1', drop: [], addrs: ['198.18.1.1/24'], via: null, deleteBridge: true },
  'fdb-add': { op: 'fdb-add', dev: 'vx-ov1', dst: '198.18.1.2' },
  'fdb-del': { op: 'fdb-del', dev: 'vx-ov1', dst: '198.18.1.3' },
  'link-set': { op: 'link-set', ns: 'a', dev: 'eth0', set: { mac: '02:42:ac:11:00:02', ipv6: false, up: true } },
  'link-del': { op: 'link-del', ns: null, dev: 'veth1234567' },
  'link-reap': { op: 'link-reap', dev: 'veth1234567', netns: 'a' },
  'link-seal': { op: 'link-seal', dev: 'veth1234567', alias: 'tnet:q/veth/a@172.17.0.2/16@netns@0badcafe', netns: 'a' },
  'addr-add': { op: 'addr-add', ns: 'a', dev: 'eth0', cidr: '172.17.0.2/16' },
  'addr-del': { op: 'addr-del', ns: 'a', dev: 'eth0', cidr: '172.17.0.9/16' },
  'route-replace': { op: 'route-replace', ns: 'a', dst: 'default', via: '172.17.0.1', dev: 'eth0' },
  'route-del': { op: 'route-del', ns: 'a', dst: '10.0.0.0/8', dev: null },
  sysctl: { op: 'sysctl', ns: null, key: 'net.ipv4.ip_forward', value: '1' },
  'file-write': { op: 'file-write', path: '/etc/netns/a/hosts', content: '' },
  'dir-remove': { op: 'dir-remove', path: '/etc/netns/a' },
  'fw-update': { op: 'fw-update', table: 'nat', update: { createChains: ['TNET'], replaceChains: {}, deleteChains: [], deleteRules: [], insertRules: [] } },
  'dns-records': { op: 'dns-records', spec: 'q', path: '/run/tnet/dns/specs/q.json', content: '{}' },
  'dns-serve': { op: 'dns-serve' },
  'dns-stop': { op: 'dns-stop' },
};

test('every op has a sign and a text', () => {
  for (const a of Object.values(EXAMPLES)) {
    assert.ok(['+', '~', '-'].includes(sign(a)), a.op);
    assert.ok(describe(a).length > 0, a.op);
  }
  assert.is(sign({ ...EXAMPLES['uplink-detach'], deleteBridge: false }), '~', 'releasing an uplink only changes it');
});

test('ip lines are the ones tnet has always sent', () => {
  assert.equal(ipLines(EXAMPLES['veth-add']), [
    'link add name veth1234567 mtu 1500 type veth peer name eth0 mtu 1500 netns a',
    'link set dev veth1234567 alias tnet:q/veth/a',
  ]);
  assert.equal(ipLines(EXAMPLES['bridge-add']), [
    'link add name docker0 address 02:42:ac:11:00:01 mtu 1500 type bridge forward_delay 0',
    'link set dev docker0 alias tnet:q/bridge/docker0',
  ]);
  assert.equal(ipLines({ op: 'link-set', ns: null, dev: 'veth1234567', set: { master: 'docker0', ipv6: false, up: true, hairpin: true } }), [
    'link set dev veth1234567 master docker0 addrgenmode none up',
    'link set dev veth1234567 type bridge_slave hairpin on',
  ]);
  assert.equal(ipLines({ op: 'link-set', ns: null, dev: 'eth1', set: { master: null, mtu: 9000, alias: 'x' } }), ['link set dev eth1 nomaster mtu 9000 alias x']);
  assert.equal(ipLines({ op: 'link-set', ns: null, dev: 'eth1', set: { hairpin: false } }), ['link set dev eth1 type bridge_slave hairpin off']);
  assert.equal(ipLines({ op: 'link-set', ns: null, dev: 'eth1', set: {} }), []);
  assert.equal(ipLines(EXAMPLES['netns-mark']), ['link set dev lo up alias tnet:q/netns/a']);
  assert.equal(ipLines(EXAMPLES['addr-add']), ['addr add 172.17.0.2/16 brd + dev eth0']);
  assert.equal(ipLines(EXAMPLES['route-replace']), ['route replace default via 172.17.0.1 dev eth0']);
  assert.equal(ipLines(EXAMPLES['route-del']), ['route del 10.0.0.0/8']);
  assert.equal(ipLines(EXAMPLES['link-seal']), ['link set dev veth1234567 alias tnet:q/veth/a@172.17.0.2/16@netns@0badcafe']);
  assert.equal(ipLines(EXAMPLES['link-reap']), ['link set dev veth1234567 group 1953391988']);
  for (const op of ['netns-attach', 'fdb-add', 'sysctl', 'file-write', 'fw-update'] as const) assert.equal(ipLines(EXAMPLES[op]), [], op);
});

test('veths to reap are deleted as one group after the last of them, before their namespaces', () => {
  const reap = (dev: string, netns: string): Action => ({ op: 'link-reap', dev, netns });
  assert.equal(
    batchLines([{ op: 'link-del', ns: null, dev: 'br-x' }, reap('veth1111111', 'a'), reap('veth2222222', 'b'), { op: 'netns-del', name: 'a' }, { op: 'netns-del', name: 'b' }]),
    ['link del dev br-x', 'link set dev veth1111111 group 1953391988', 'link set dev veth2222222 group 1953391988', 'link del group 1953391988', 'netns del a', 'netns del b'],
  );
  assert.equal(batchLines([{ op: 'netns-del', name: 'a' }]), ['netns del a']);
});

test("a new veth is made in its bridge, and its mark goes on the line that sets it up, when that line is next and sets no alias", () => {
  const add = EXAMPLES['veth-add'];
  const up: Action = { op: 'link-set', ns: null, dev: 'veth1234567', set: { master: 'docker0', ipv6: false, up: true, hairpin: true } };
  const addLine = 'link add name veth1234567 mtu 1500 type veth peer name eth0 mtu 1500 netns a';
  assert.equal(batchLines([add, up]), [
    'link add name veth1234567 mtu 1500 master docker0 type veth peer name eth0 mtu 1500 netns a',
    'link set dev veth1234567 alias tnet:q/veth/a addrgenmode none up type bridge_slave hairpin on',
  ]);
  // Without a bridge to name, the add is as ever and the mark joins the settings.
  assert.equal(batchLines([add, { ...up, set: { up: true } }]), [addLine, 'link set dev veth1234567 alias tnet:q/veth/a up']);
  assert.equal(batchLines([add, { ...up, set: { master: null, up: true } }]), [addLine, 'link set dev veth1234567 nomaster alias tnet:q/veth/a up']);
  // Anything else keeps the mark on its own line, right after the add.
  const alone = [addLine, 'link set dev veth1234567 alias tnet:q/veth/a'];
  const other: Action = { ...up, dev: 'veth7654321' };
  assert.equal(batchLines([add, other]).slice(0, 2), alone);
  assert.equal(batchLines([add, { ...up, ns: 'a' }]).slice(0, 2), alone);
  assert.equal(batchLines([add, { ...up, set: { alias: 'tnet:q/veth/b', up: true } }]).slice(0, 2), alone);
  assert.equal(batchLines([add, { op: 'addr-add', ns: null, dev: 'veth1234567', cidr: '10.0.0.1/24' }]).slice(0, 2), alone);
  assert.equal(batchLines([add]), alone);
});

test('plan texts are the ones the docs show', () => {
  assert.is(describe({ op: 'link-set', ns: null, dev: 'veth6942480', set: { master: 'docker0', ipv6: false, up: true, hairpin: true } }), 'link veth6942480: master docker0, up, hairpin on, no ipv6');
  assert.is(describe(EXAMPLES['link-seal']), 'link veth1234567: seal 172.17.0.2/16@netns@0badcafe');
  assert.is(describe(EXAMPLES['uplink-detach']), 'bridge br0, giving back 198.18.1.1/24 to eth1');
  assert.is(describe(EXAMPLES['fw-update']), 'iptables nat: create TNET');
});

test("a link-set's three renderings agree", () => {
  const a = EXAMPLES['link-set'];
  assert.equal(ipLines(a), ['link set dev eth0 address 02:42:ac:11:00:02 addrgenmode none up']);
  assert.is(workerOp(a), 'link eth0 mac 02:42:ac:11:00:02 noipv6 up');
  assert.is(describe(a), 'link a:eth0: mac 02:42:ac:11:00:02, up, no ipv6');
  const all: LinkSettings = { mtu: 1400, mac: '02:42:ac:11:00:03', ipv6: false, up: false };
  const set = { ...a, set: all };
  assert.equal(ipLines(set), ['link set dev eth0 mtu 1400 address 02:42:ac:11:00:03 addrgenmode none down']);
  assert.is(workerOp(set), 'link eth0 mtu 1400 mac 02:42:ac:11:00:03 noipv6 down');
  assert.is(describe(set), 'link a:eth0: mtu 1400, mac 02:42:ac:11:00:03, down, no ipv6');
  // The IPv6 default needs no words anywhere.
  const v6 = { ...a, set: { ipv6: true } };
  assert.equal([ipLines(v6), workerOp(v6)], [[], 'link eth0']);
});

test('the worker is handed only what it speaks; the rest goes to ip', () => {
  assert.is(workerOp(EXAMPLES['netns-mark']), 'mark tnet:q/netns/a');
  assert.is(workerOp(EXAMPLES['link-seal']), 'host-alias veth1234567 tnet:q/veth/a@172.17.0.2/16@netns@0badcafe');
  assert.is(workerOp(EXAMPLES['route-del']), 'route-del 10.0.0.0/8 -');
  for (const set of [{ master: 'docker0' }, { master: null }, { alias: 'x' }, { hairpin: true }, { up: true, hairpin: false }]) {
    assert.is(workerOp({ op: 'link-set', ns: 'a', dev: 'eth0', set }), null, JSON.stringify(set));
  }
  assert.is(workerOp(EXAMPLES['veth-add']), null);
  assert.is(workerOp(EXAMPLES.sysctl), null);
});

test('every op the table hands the worker is one libexec/tnet-netlink.pl runs', () => {
  const perl = readFileSync(packageFile('libexec/tnet-netlink.pl'), 'utf8');
  const verbs = new Set([...perl.matchAll(/\$verb eq '([a-z-]+)'/g)].map((m) => m[1]));
  const linkOptions = new Set([...perl.matchAll(/\$o eq '([a-z0-9]+)'/g)].map((m) => m[1]));
  const spoken = [...Object.values(EXAMPLES), { op: 'link-set', ns: 'a', dev: 'eth0', set: { mtu: 1400, up: false } } as const]
    .map(workerOp)
    .filter((o): o is string => o !== null);
  assert.ok(spoken.length >= 8);
  for (const op of spoken) {
    const [verb, ...words] = op.split(' ');
    assert.ok(verbs.has(verb), `the worker runs ${verb}`);
    if (verb === 'link') for (const w of words.slice(1)) assert.ok(linkOptions.has(w) || !/^[a-z]+$/.test(w), `the worker's link takes ${w}`);
  }
});

test.run();
