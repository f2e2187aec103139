// End to end, as root in throwaway namespaces: dual-stack bridges — IPv6 addresses and routes in containers,
// an outside host reachable over IPv6 only, masquerade, published ports by family, icc and isolation over
// IPv6, a second apply that changes nothing, and destroy giving back ip6tables-save as it was.

import * as assert from 'uvu/assert';
import { applyOk } from '../helpers/sandbox.js';
import { addOutside6, HOST6_IP, HOST_IP, ip6Of, ipOf, netSuite, OUTSIDE6_IP, OUTSIDE_IP, rules6, tcp, udp, expectAll } from '../helpers/net.js';

const t = netSuite('IPv6: dual stack');

const BLOCKED = 'TIMEOUT';
/** Refused by the host or unanswered: anything but container p's answer. */
const NOT_P = /^(ERR ECONNREFUSED|TIMEOUT)$/;


const DUAL = `version: 1
name: v6
bridges:
  br6:
    subnet: 10.60.0.0/24
    subnet6: fd00:60::/64
containers:
  a: { bridge: br6 }
  b: { bridge: br6, ip6: "fd00:60::b" }
  p: { bridge: br6, ports: ["8080:80", "0.0.0.0:8081:81", "[::]:8082:82", "[${HOST6_IP}]:8083:83/udp"] }
`;

t('containers get IPv6 addresses and routes; the outside is reached masqueraded; ports publish by family', async ({ box, servers }) => {
  await addOutside6(box);
  await box.must(`ip6tables -A FORWARD -s 2001:db8:ffff::/48 -j DROP && ip6tables -t nat -N FOREIGN6`);
  const before = await rules6(box);
  const spec = box.writeSpec('v6.yaml', DUAL);
  await applyOk(box, spec);
  const [a6, b6, p6, a4] = await Promise.all([ip6Of(box, 'a'), ip6Of(box, 'b'), ip6Of(box, 'p'), ipOf(box, 'a')]);
  assert.equal([a6, b6, p6], ['fd00:60::2', 'fd00:60::b', 'fd00:60::3'], 'lowest free addresses, the fixed one kept');
  assert.is(await box.must('ip -n a -6 route show default'), 'default via fd00:60::1 dev eth0 metric 1024 pref medium');
  assert.is(await box.must('sysctl -n net.ipv6.conf.all.forwarding'), '1');
  assert.match(await box.must('ip -6 addr show dev br6 scope global'), /inet6 fd00:60::1\/64 scope global nodad/);

  await Promise.all([
    servers.start('outside6', 'out', { tcp: [9000], host: '::' }),
    servers.start('b', 'b', { tcp: [80], host: '::' }),
    servers.start('p', 'p', { tcp: [80, 81, 82], udp: [83], host: '::' }),
  ]);
  await expectAll([
    ['a ping b over IPv6', box.ping('a', b6!), true],
    ['a ping gateway6', box.ping('a', 'fd00:60::1'), true],
    ['a -> outside over IPv6: the outside sees the host', tcp(box, 'a', OUTSIDE6_IP, 9000), `out ${HOST6_IP}`],
    ['a -> b:80 over IPv6 (icc on)', tcp(box, 'a', b6!, 80), `b ${a6}`],
    ['outside -> [host]:8080 (both families)', tcp(box, 'outside6', HOST6_IP, 8080), `p ${OUTSIDE6_IP}`],
    ['outside -> host:8080 over IPv4', tcp(box, 'outside', HOST_IP, 8080), `p ${OUTSIDE_IP}`],
    ['a -> [host]:8080 (another container)', tcp(box, 'a', HOST6_IP, 8080), `p ${a6}`],
    ['p -> [host]:8080 (itself)', tcp(box, 'p', HOST6_IP, 8080), /^p /],
    ['host -> [host]:8080', tcp(box, null, HOST6_IP, 8080), /^p /],
    // Not forwarded: the host itself answers, and nothing of its own listens there.
    ['outside -> [host]:8081 (0.0.0.0: IPv4 only)', tcp(box, 'outside6', HOST6_IP, 8081, 1000), NOT_P],
    ['outside -> host:8081 over IPv4', tcp(box, 'outside', HOST_IP, 8081), `p ${OUTSIDE_IP}`],
    ['outside -> [host]:8082 ([::]: IPv6 only)', tcp(box, 'outside6', HOST6_IP, 8082), `p ${OUTSIDE6_IP}`],
    ['outside -> host:8082 over IPv4', tcp(box, 'outside', HOST_IP, 8082, 1000), NOT_P],
    ['outside -> [host]:8083/udp (one IPv6 address)', udp(box, 'outside6', HOST6_IP, 8083), `p ${OUTSIDE6_IP}`],
    ['a over IPv4 still', tcp(box, 'a', '10.60.0.1', 1, 500), /ERR|TIMEOUT/],
  ]);
  assert.ok(a4.startsWith('10.60.0.'));

  const again = await box.tnet('apply', '-f', spec);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /No changes/);
  const deep = await box.tnet('apply', '--deep', '-f', spec);
  assert.match(deep.stdout, /No changes/, deep.stdout);

  const gone = await box.tnet('destroy', '-f', spec);
  assert.is(gone.code, 0, gone.stderr);
  assert.is(await rules6(box), before, 'ip6tables-save as before, the foreign rule and chain kept');
});

t('icc off and isolation between bridges hold over IPv6; internal bridges have no way out', async ({ box, servers }) => {
  await addOutside6(box);
  const spec = box.writeSpec('iso.yaml', `version: 1
name: iso
bridges:
  quiet: { subnet: 10.61.0.0/24, subnet6: "fd00:61::/64", icc: false }
  other: { subnet: 10.62.0.0/24, subnet6: "fd00:62::/64" }
  inner: { subnet: 10.63.0.0/24, subnet6: "fd00:63::/64", internal: true }
containers:
  a: { bridge: quiet }
  b: { bridge: quiet, ports: ["8080:80"] }
  c: { bridge: other }
  i: { bridge: inner }
  j: { bridge: inner }
`);
  await applyOk(box, spec);
  const [a6, b6, c6, i6, j6] = await Promise.all(['a', 'b', 'c', 'i', 'j'].map((n) => ip6Of(box, n)));
  await Promise.all([
    servers.start('b', 'b', { tcp: [80], host: '::' }),
    servers.start('c', 'c', { tcp: [80], host: '::' }),
    servers.start('j', 'j', { tcp: [80], host: '::' }),
    servers.start('outside6', 'out', { tcp: [9000], host: '::' }),
  ]);
  await expectAll([
    ['a -> b over IPv6 (icc off)', tcp(box, 'a', b6!, 80, 1000), BLOCKED],
    ['a -> [host]:8080 (published: hairpin with icc off)', tcp(box, 'a', HOST6_IP, 8080), `b ${a6}`],
    ['a -> c over IPv6 (another bridge)', tcp(box, 'a', c6!, 80, 1000), BLOCKED],
    ['c -> b over IPv6 (another bridge)', tcp(box, 'c', b6!, 80, 1000), BLOCKED],
    ['c -> outside over IPv6', tcp(box, 'c', OUTSIDE6_IP, 9000), `out ${HOST6_IP}`],
    ['i -> j on the internal bridge', tcp(box, 'i', j6!, 80), `j ${i6}`],
    ['i -> outside (internal: no way out)', tcp(box, 'i', OUTSIDE6_IP, 9000, 1000), /TIMEOUT|ERR/],
  ]);
  assert.is(await box.must('ip -n i -6 route show default'), '', 'no default route on an internal bridge');
});

t('a new bridge routes into its containers at once: its link-local address is not waiting on DAD', async ({ box, servers }) => {
  await addOutside6(box);
  const spec = box.writeSpec('new.yaml', `version: 1
name: fresh
bridges:
  br6: { subnet: 10.66.0.0/24, subnet6: "fd00:66::/64" }
containers:
  a: { bridge: br6, ports: ["8080:80"] }
`);
  await applyOk(box, spec);
  // The host solicits a container's MAC from the bridge's link-local address; while that is tentative (the
  // kernel's own, for a second or two after the first port came up) nothing routed into the bridge arrives.
  assert.match(await box.must('ip -6 addr show dev br6 scope link'), /inet6 fe80::42:aff:fe42:1\/64 scope link nodad/);
  assert.not.match(await box.must('ip -6 addr show dev br6'), /tentative/);
  await servers.start('a', 'a', { tcp: [80], host: '::' });
  // a has sent nothing yet: the host must find it itself, within the client's first SYN or its retry.
  assert.is(await tcp(box, 'outside6', HOST6_IP, 8080), `a ${OUTSIDE6_IP}`);
});

t('bad IPv6 input is refused before any action, naming the field', async ({ box }) => {
  const spec = box.writeSpec('bad.yaml', `version: 1
bridges:
  br6: { subnet: 10.64.0.0/24, subnet6: "fd00:64::/64" }
  br4: { subnet: 10.65.0.0/24 }
containers:
  a: { bridge: br6, ip6: "fd00:65::2" }
  b: { bridge: br4, ports: ["[::]:8080:80"] }
`);
  const links = await box.must('ip -o link show');
  const r = await box.tnet('apply', '-f', spec);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /ip6 fd00:65::2 is outside subnet6 fd00:64::\/64 of br6[\s\S]*at containers\.a\.ip6/);
  assert.match(r.stderr, /on IPv6, but its network br4 has no subnet6[\s\S]*at containers\.b\.ports/);
  assert.is(await box.must('ip -o link show'), links, 'nothing created');
});

t.run();
