// Published ports read from DNAT rules: each family's host address, which host ports tnet chose, which an apply chose now.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desiredDnat, formatPort, hostSide, newlyChosen, observedDnat, portsTo, withChosen } from '../../src/inspect/ports.js';
import type { PortView } from '../../src/inspect/view.js';
import { converged, desiredOf, firewallOf, spec } from './fixture.js';

const s = spec();
const d = desiredOf(s);

test('the desired DNAT rules: every address as 0.0.0.0, a bound one as itself, each with its container port', () => {
  const web = portsTo(desiredDnat(d.firewall), 'demo', new Set(['10.60.0.2']));
  assert.equal(web.map(formatPort), ['80/tcp -> 0.0.0.0:8080', '80/tcp -> 0.0.0.0:32768', '90/tcp -> 0.0.0.0:8000', '91/udp -> 127.0.0.1:32768']);
  assert.ok(web.every((p) => p.family === 4 && p.chosen === null));
  assert.equal(portsTo(desiredDnat(d.firewall), 'other', new Set(['10.60.0.2'])), [], 'another spec\'s rules are not these');
  assert.equal(portsTo(desiredDnat(d.firewall), 'demo', new Set(['10.60.0.3'])), [], 'db publishes nothing');
});

test('the observed rules read the same as the desired ones, tnet:-commented or not', () => {
  const fw = firewallOf(d);
  assert.equal(observedDnat(fw), desiredDnat(d.firewall));
  assert.equal(observedDnat(null), []);
  const foreign = { ...fw, tables6: [], tables: [{ table: 'nat' as const, chains: { TNET: { policy: null, rules: ['-p tcp -m tcp --dport 1 -j DNAT --to-destination 10.60.0.2:1'] } } }] };
  assert.equal(observedDnat(foreign).map((r) => r.owner), [null]);
});

test('chosen: a port the spec maps without a host port, not the one it names (8080:80 and 80 on one container)', () => {
  const web = withChosen(portsTo(desiredDnat(d.firewall), 'demo', new Set(['10.60.0.2'])), s.containers.web);
  assert.equal(web.map((p) => [p.hostPort, p.chosen]), [[8080, false], [32768, true], [8000, true], [32768, true]]);
  const stray: PortView = { containerPort: 7, proto: 'tcp', family: 4, hostIp: '0.0.0.0', hostPort: 7, chosen: null };
  assert.is(withChosen([stray], s.containers.web)[0].chosen, false, 'a rule the spec does not ask for was chosen by nobody');
});

test('IPv6 host sides are bracketed, as docker port prints them', () => {
  const p: PortView = { containerPort: 80, proto: 'tcp', family: 6, hostIp: '::', hostPort: 32768, chosen: true };
  assert.is(formatPort(p), '80/tcp -> [::]:32768');
  assert.is(hostSide(p), '[::]:32768');
  assert.is(hostSide({ ...p, family: 4, hostIp: '0.0.0.0' }), '0.0.0.0:32768');
});

test('newly chosen: every chosen port on a first apply, none once the kernel holds them, explicit ones never', () => {
  const first = newlyChosen(s, d, null);
  // A port without an address is published on both families of the dual-stack bridge, with one host port.
  assert.equal(first.map((c) => `${c.container} ${formatPort(c.port)}`), [
    'web 80/tcp -> 0.0.0.0:32768', 'web 80/tcp -> [::]:32768', 'web 90/tcp -> 0.0.0.0:8000', 'web 90/tcp -> [::]:8000', 'web 91/udp -> 127.0.0.1:32768',
  ]);
  assert.equal(newlyChosen(s, d, converged(d).firewall), []);
  const fw = firewallOf(d);
  const nat = fw.tables.find((t) => t.table === 'nat')!;
  // The DNAT rules are in the chain of web's bridge, which TNET jumps to.
  const chains = Object.fromEntries(Object.entries(nat.chains).map(([n, c]) => [n, { ...c, rules: c.rules.filter((r) => !r.includes('--dport 8000 ')) }]));
  const without = { ...fw, tables: [{ ...nat, chains }] };
  assert.equal(newlyChosen(s, d, without).map((c) => c.port.hostPort), [8000], 'only the one the kernel lacks');
});

test.run();
