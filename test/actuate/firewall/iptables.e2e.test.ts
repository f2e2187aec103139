// Root test: tnet's rules through real ip(6)tables-restore and -save, in a throwaway network namespace per backend.
// The file runs twice: as the uvu test (outside), and as the worker it spawns under `unshare -n -m` (inside).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strict as check } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { desiredFirewall } from '../../../src/desired/firewall/rules.js';
import { renderRestore } from '../../../src/actuate/firewall/restore.js';
import { chooseVariant, iptablesBackend, type IptablesVariant } from '../../../src/actuate/firewall/iptables.js';
import type { FirewallBackend } from '../../../src/model/backends.js';
import { observeFirewall } from '../../../src/observe/firewall.js';
import { diffFirewall } from '../../../src/plan/diff-firewall.js';
import type { FirewallDesired, FirewallObserved } from '../../../src/model/firewall.js';
import { nginx1, nginx2, quickstart } from '../../desired/firewall/fw-fixtures.js';
import type { FwContainer } from '../../../src/desired/firewall/input.js';

const SELF = fileURLToPath(import.meta.url);
const netnsId = (): string => readlinkSync('/proc/self/ns/net');

const FOREIGN = `*filter
-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "other tool" -j ACCEPT
-A FORWARD -s 10.99.0.0/16 -m comment --comment "other tool" -j ACCEPT
COMMIT
*nat
:OTHER-NAT - [0:0]
-A OTHER-NAT -s 192.168.122.0/24 -j MASQUERADE
-A POSTROUTING -j OTHER-NAT
COMMIT
`;

/** Every rule form tnet writes: icc off with links, bound, 127-bound, udp and sctp ports, an internal bridge. */
function richDesired(): FirewallDesired {
  const base = quickstart();
  return desiredFirewall({
    ...base,
    bridges: [
      { ...base.bridges[0], icc: false },
      { name: 'tnet-int', subnet: '10.77.0.0/24', gateway: '10.77.0.1', icc: true, internal: true, external: false, dns: false },
    ],
    containers: [
      {
        ...nginx1,
        expose: [{ port: 53, proto: 'udp' }],
        ports: [
          ...nginx1.ports,
          { hostIp: '192.0.2.1', hostPort: 8443, containerPort: 443, proto: 'tcp' },
          { hostIp: '127.0.0.1', hostPort: 8081, containerPort: 80, proto: 'tcp' },
          { hostIp: null, hostPort: 9000, containerPort: 9000, proto: 'udp' },
          { hostIp: null, hostPort: 9001, containerPort: 9001, proto: 'sctp' },
        ],
      },
      nginx2,
      { name: 'db', bridge: 'tnet-int', ip: '10.77.0.2', hostIf: 'veth-db', ports: [], expose: [], links: [] },
    ],
  });
}

async function apply(backend: FirewallBackend, desired: FirewallDesired, ipv6?: 'read'): Promise<number> {
  const actions = diffFirewall(desired, await observeFirewall(backend, { ipv6 }));
  for (const a of actions) if (a.op === 'fw-update') await backend.restore([a.table], renderRestore(a.table, a.update), a.family);
  return actions.length;
}

const FOREIGN6 = `*filter
-A FORWARD -s 2001:db8:99::/48 -m comment --comment "other tool" -j ACCEPT
COMMIT
*nat
-A POSTROUTING -s 2001:db8:99::/48 -j MASQUERADE
COMMIT
`;

/** richDesired with both its bridges dual stack and every container on them with an IPv6 address. */
function dualDesired(): FirewallDesired {
  const base = quickstart();
  const ip6 = (ip: string) => ip.replace(/^172\.17\.0\./, 'fd00:17::').replace(/^10\.77\.0\./, 'fd00:77::');
  return desiredFirewall({
    ...base,
    bridges: [
      { ...base.bridges[0], icc: false, subnet6: 'fd00:17::/64', gateway6: 'fd00:17::1', dns: true },
      { name: 'tnet-int', subnet: '10.77.0.0/24', gateway: '10.77.0.1', icc: true, internal: true, external: false, dns: false, subnet6: 'fd00:77::/64', gateway6: 'fd00:77::1' },
    ],
    containers: ([
      {
        ...nginx1,
        expose: [{ port: 53, proto: 'udp' }],
        ports: [
          ...nginx1.ports,
          { hostIp: '2001:db8::1', hostPort: 8443, containerPort: 443, proto: 'tcp' },
          { hostIp: null, hostPort: 9000, containerPort: 9000, proto: 'udp', family: 6 },
          { hostIp: null, hostPort: 9001, containerPort: 9001, proto: 'sctp' },
        ],
      },
      nginx2,
      { name: 'db', bridge: 'tnet-int', ip: '10.77.0.2', hostIf: 'veth-db', ports: [], expose: [], links: [] },
    ] as FwContainer[]).map((c) => ({ ...c, ip6: ip6(c.ip) })),
  });
}

/** The same life in ip6tables: round trip, foreign rules kept, drift repaired, destroy exact, IPv4 untouched. */
async function worker6(backend: FirewallBackend): Promise<void> {
  await backend.restore(['filter', 'nat'], FOREIGN6, 6);
  const read = () => observeFirewall(backend, { ipv6: 'read' });
  const before = await read();
  const desired = dualDesired();
  check.equal(await apply(backend, desired, 'read'), 4, 'one update per table of each family');
  const after = await read();
  check.deepEqual(diffFirewall(desired, after), [], 'round trip: what ip6tables-save prints back is what tnet wrote');
  const [filter6, nat6] = after.tables6!;
  check.equal(filter6.chains.FORWARD.rules[3], '-s 2001:db8:99::/48 -m comment --comment "other tool" -j ACCEPT');
  check.ok(nat6.chains['TNET-DNAT-docker0'].rules.includes('-d 2001:db8::1/128 -p tcp -m tcp --dport 8443 -m comment --comment "tnet:q" -j DNAT --to-destination [fd00:17::2]:443'));
  check.deepEqual(nat6.chains.POSTROUTING.rules, ['-s 2001:db8:99::/48 -j MASQUERADE', desired.tables6![1].jumps[2].rule]);

  // Drift in ip6tables only: a chain flushed and a jump deleted are put back there, nothing else is touched.
  await backend.restore(['filter'], '*filter\n:TNET-FORWARD - [0:0]\nCOMMIT\n', 6);
  await backend.restore(['nat'], `*nat\n-D PREROUTING ${desired.tables6![1].jumps[0].rule}\nCOMMIT\n`, 6);
  const drift = diffFirewall(desired, await read());
  check.deepEqual(drift.map((a) => a.op === 'fw-update' && [a.family, a.table]), [[6, 'filter'], [6, 'nat']]);
  check.equal(await apply(backend, desired, 'read'), 2);
  check.deepEqual(diffFirewall(desired, await read()), []);

  const destroy: FirewallDesired = { spec: desired.spec, tables: [], sysctls: {}, hairpinPorts: [] };
  check.equal(await apply(backend, destroy, 'read'), 4);
  const gone = await read();
  check.deepEqual(gone.tables6, before.tables6, 'destroy leaves ip6tables as it was');
  check.deepEqual(gone.tables, before.tables);
}

const strip = (o: FirewallObserved): FirewallObserved['tables'] => o.tables;

/** Inside the throwaway namespace: the whole life of the rules on one backend. */
async function worker(variant: IptablesVariant): Promise<void> {
  check.notEqual(netnsId(), process.env.TNET_FW_OUTER_NS, 'refusing to run iptables outside a throwaway namespace');
  const backend = iptablesBackend(variant);
  await backend.restore(['filter'], FOREIGN);
  check.equal(await chooseVariant(), variant, 'the backend holding rules is chosen');
  const before = await observeFirewall(backend);
  const desired = richDesired();

  check.equal(await apply(backend, desired), 2, 'first apply: one update per table');
  const after = await observeFirewall(backend);
  check.deepEqual(diffFirewall(desired, after), [], 'round trip: what iptables-save prints back is what tnet wrote');
  const filter = after.tables.find((t) => t.table === 'filter')!;
  const nat = after.tables.find((t) => t.table === 'nat')!;
  check.equal(filter.chains.FORWARD.rules[3], '-s 10.99.0.0/16 -m comment --comment "other tool" -j ACCEPT');
  const jumps = (from: string) => desired.tables[0].jumps.filter((j) => j.from === from).map((j) => j.rule);
  check.deepEqual(filter.chains.FORWARD.rules.slice(0, 3), jumps('FORWARD'));
  // The martian filter above an ACCEPT of another tool, which would otherwise let martians in.
  check.deepEqual(filter.chains.INPUT.rules, [...jumps('INPUT'), '-p tcp -m tcp --dport 22 -m comment --comment "other tool" -j ACCEPT']);
  check.deepEqual(nat.chains['OTHER-NAT'], { policy: null, rules: ['-s 192.168.122.0/24 -j MASQUERADE'] });

  // Drift: a tnet chain flushed, a foreign rule on top of FORWARD, a nat jump deleted.
  await backend.restore(['filter'], '*filter\n:TNET-FORWARD - [0:0]\n-I FORWARD 1 -s 10.98.0.0/16 -j DROP\nCOMMIT\n');
  await backend.restore(['nat'], `*nat\n-D OUTPUT ${desired.tables[1].jumps[1].rule}\nCOMMIT\n`);
  check.equal(await apply(backend, desired), 2, 'drift repaired');
  const repaired = await observeFirewall(backend);
  check.deepEqual(diffFirewall(desired, repaired), []);
  check.equal(repaired.tables[0].chains.FORWARD.rules[3], '-s 10.98.0.0/16 -j DROP');
  await backend.restore(['filter'], '*filter\n-D FORWARD -s 10.98.0.0/16 -j DROP\nCOMMIT\n');

  // Destroy: exactly the rule set from before tnet.
  const destroy: FirewallDesired = { spec: desired.spec, tables: [], sysctls: {}, hairpinPorts: [] };
  check.equal(await apply(backend, destroy), 2);
  check.deepEqual(strip(await observeFirewall(backend)), strip(before), 'destroy leaves the rules as they were');
  check.equal(await apply(backend, destroy), 0);
  await worker6(backend);
}

function runWorker(variant: IptablesVariant): { status: number | null; out: string } {
  const r = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs tmpfs /run && exec "$0" "$1"', process.execPath, SELF], {
    encoding: 'utf8',
    env: { ...process.env, TNET_FW_WORKER: variant, TNET_FW_OUTER_NS: netnsId() },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}${r.error ?? ''}` };
}

const inner = process.env.TNET_FW_WORKER as IptablesVariant | undefined;
if (inner) {
  worker(inner).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  for (const variant of ['nf_tables', 'legacy'] as const) {
    test(`${variant}: round trip, foreign rules kept, drift repaired, destroy exact; the same in ip6tables`, () => {
      const r = runWorker(variant);
      assert.is(r.status, 0, r.out);
    });
  }
  test.run();
}
