// Host ports tnet chose earlier, read back from ip6tables' DNAT rules as from iptables': kept across applies.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { held } from '../../src/desired/held.js';
import { desire } from '../../src/desired/desired.js';
import { parseSources } from '../../src/spec/load.js';
import type { FirewallObserved } from '../../src/model/firewall.js';
import type { Spec } from '../../src/model/spec.js';
import { dnatRulesOf } from '../../src/ownership/chains.js';

const SPEC = `version: 1
bridges:
  br6: { subnet: 10.70.0.0/24, subnet6: "fd00:70::/64" }
containers:
  web: { bridge: br6, ports: ["[::]::80", "81"] }
  api: { bridge: br6, ports: ["0.0.0.0::82"] }
`;

function spec(yaml = SPEC): Spec {
  const r = parseSources([{ file: 'q.yaml', text: yaml }], 'q');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.value;
}

const dnat = (owner: string, port: number, to: string) => `-p tcp -m tcp --dport ${port} -m comment --comment "${owner}" -j DNAT --to-destination ${to}`;
const fw = (v4: string[], v6: string[] | null): FirewallObserved => ({
  backend: 'nf_tables', sysctls: {},
  tables: [{ table: 'nat', chains: { TNET: { policy: null, rules: v4 } } }],
  tables6: v6 && [{ table: 'nat', chains: { TNET: { policy: null, rules: v6 } } }],
});

const IPS = { web: '10.70.0.2', api: '10.70.0.3' };
/** The IPv6 addresses the endpoints' seals record (heldAddresses). */
const IPS6 = { web: 'fd00:70::2', api: 'fd00:70::3' };

test('a [::]-only port is held from its ip6tables rule; a both-family one from either; IPv4 as before', () => {
  const rules = fw(
    [dnat('tnet:q', 40081, '10.70.0.2:81'), dnat('tnet:q', 40082, '10.70.0.3:82')],
    [dnat('tnet:q', 40080, '[fd00:70::2]:80'), dnat('tnet:q', 40081, '[fd00:70::2]:81')],
  );
  const h = held(spec(), IPS, { own: {}, names: [] }, rules, [], IPS6);
  assert.equal(h.hostPorts, { 'web/tcp/81': 40081, 'api/tcp/82': 40082, 'web/tcp/80': 40080 });
  const d = desire({ spec: spec(), held: h, hostResolv: '', firewall: true });
  assert.ok(d.ok);
  const nat6 = d.value.firewall!.tables6!.find((t) => t.table === 'nat')!.chains;
  const tnet6 = dnatRulesOf((c) => nat6[c]);
  assert.equal(tnet6.map((r) => /--dport (\d+)/.exec(r)![1]), ['40080', '40081'], 'kept, not chosen anew');
});

test('without the IPv6 rules read, a [::]-only port is not held', () => {
  const h = held(spec(), IPS, { own: {}, names: [] }, fw([], null), [], IPS6);
  assert.equal(h.hostPorts, {});
});

test("another spec's IPv6 port is taken: this spec's ephemeral ports avoid it; its own rules of another address are not its", () => {
  const rules = fw([], [dnat('tnet:other', 32768, '[fd00:99::2]:80'), dnat('tnet:q', 40000, '[fd00:70::99]:80')]);
  const h = held(spec(), IPS, { own: {}, names: [] }, rules, [], IPS6);
  assert.equal(h.taken, ['tcp/32768']);
  assert.equal(h.hostPorts, {}, 'a rule to an address no endpoint of the spec has is nobody\'s');
  const d = desire({ spec: spec(), held: h, hostResolv: '', firewall: true });
  assert.ok(d.ok);
  const nat6 = d.value.firewall!.tables6!.find((t) => t.table === 'nat')!.chains;
  const ports = dnatRulesOf((c) => nat6[c]).map((r) => /--dport (\d+)/.exec(r)![1]);
  assert.not.ok(ports.includes('32768'));
});

test.run();
