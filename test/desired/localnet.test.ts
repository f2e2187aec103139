// route_localnet through desire and plan: on for a loopback port, back off once none is left, never a write for nothing.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { desire } from '../../src/desired/desired.js';
import { parseSources } from '../../src/spec/load.js';
import { plan } from '../../src/plan/plan.js';
import type { Action } from '../../src/model/action.js';
import type { FirewallObserved } from '../../src/model/firewall.js';
import type { ObservedLink } from '../../src/model/observed.js';
import { emptyObserved, link } from '../helpers/fixtures.js';

const KEY = 'net.ipv4.conf.docker0.route_localnet';

function sysctlsPlanned(yaml: string, seen: Record<string, string>, links: ObservedLink[] = []): string[] {
  const spec = parseSources([{ file: 'q.yaml', text: `version: 1\n${yaml}` }], 'q');
  if (!spec.ok) throw new Error(spec.errors.map((e) => e.message).join('; '));
  const d = desire({ spec: spec.value, held: { ips: {}, hostPorts: {} }, hostResolv: '', firewall: true });
  if (!d.ok) throw new Error(d.errors[0].message);
  const firewall: FirewallObserved = { backend: 'nf_tables', tables: [], sysctls: { 'net.bridge.bridge-nf-call-iptables': '1', ...seen } };
  const p = plan(d.value, emptyObserved({ firewall, links }));
  if (!p.ok) throw new Error(p.errors[0].message);
  return p.value.flatMap((a: Action) => (a.op === 'sysctl' ? [`${a.key}=${a.value}`] : []));
}

const PUBLISHED = 'containers:\n  a: { ports: ["8080:80"] }\n';
const UNPUBLISHED = 'containers:\n  a: {}\n';

test('a port on every address turns it on, where it is off or the bridge is new', () => {
  assert.equal(sysctlsPlanned(PUBLISHED, {}), [`${KEY}=1`]);
  assert.equal(sysctlsPlanned(PUBLISHED, { [KEY]: '0' }), [`${KEY}=1`]);
  assert.equal(sysctlsPlanned(PUBLISHED, { [KEY]: '1' }), []);
});

test('the last loopback port gone: turned off; a new bridge or one already off: no action', () => {
  assert.equal(sysctlsPlanned(UNPUBLISHED, { [KEY]: '1' }), [`${KEY}=0`]);
  assert.equal(sysctlsPlanned(UNPUBLISHED, {}), [], 'the bridge is not made yet: it starts off');
  assert.equal(sysctlsPlanned(UNPUBLISHED, { [KEY]: '0' }), []);
  assert.equal(sysctlsPlanned('containers:\n  a: { ports: ["192.0.2.1:8080:80"] }\n', { [KEY]: '1' }), [`${KEY}=0`], 'bound elsewhere');
});

test('host.iptables false: no rule, so no loopback port either: turned off', () => {
  assert.equal(sysctlsPlanned(`host: { iptables: false }\n${PUBLISHED}`, { [KEY]: '1' }), [`${KEY}=0`]);
  assert.equal(sysctlsPlanned(`host: { iptables: false }\n${PUBLISHED}`, {}), []);
});

test('an external bridge is never turned off: the switch may be another tool\'s', () => {
  const external = 'bridges:\n  docker0: { external: true, subnet: 172.17.0.0/16 }\ncontainers:\n  a: {}\n';
  const docker0 = link({ name: 'docker0', ifindex: 2, kind: 'bridge', addrs: ['172.17.0.1/16'] });
  assert.equal(sysctlsPlanned(external, { [KEY]: '1' }, [docker0]), []);
});

test.run();
