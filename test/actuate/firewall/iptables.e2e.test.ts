// Root test: tnet's rules through real iptables-restore/iptables-save, in a throwaway network namespace per backend.
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

async function apply(backend: FirewallBackend, desired: FirewallDesired): Promise<number> {
  const actions = diffFirewall(desired, await observeFirewall(backend));
  for (const a of actions) if (a.op === 'fw-update') await backend.restore([a.table], renderRestore(a.table, a.update));
  return actions.length;
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
    test(`${variant}: round trip, foreign rules kept, drift repaired, destroy exact`, () => {
      const r = runWorker(variant);
      assert.is(r.status, 0, r.out);
    });
  }
  test.run();
}
