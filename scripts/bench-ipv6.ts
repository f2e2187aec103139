// The IPv6 part of `npm run bench`: the apply from empty of a dual-stack spec against the same spec IPv4-only,
// and the dual-stack no-op re-apply.
//
// N containers over ⌈N/1000⌉ bridges, each publishing a port, as the scale part's spec; the dual-stack one adds
// `subnet6` to every bridge, so each container also gets an IPv6 address and default route, each port its
// ip6tables DNAT, each bridge its ip6tables rules. Runs alternate IPv4-only / dual stack in fresh sandboxes, so
// that a busy moment of a shared machine falls on one run of each rather than on all of one kind; the ratio is
// of the medians. The no-op must change nothing and enter no namespace (the exec log says so).

import { join } from 'node:path';
import { Sandbox, TNET } from '../test/helpers/sandbox.js';
import { execLog, mutations, namespaceEntries } from './bench-exec-log.js';


export interface Ipv6Bench {
  n: number;
  runs: number;
  /** Median apply from empty, ms. */
  applyV4: number;
  applyDual: number;
  /** applyDual / applyV4. */
  ratio: number;
  /** Median no-op re-apply of the dual-stack spec, ms, and the commands of the last one that changed something. */
  noopDual: number;
  noopMutations: string[];
  noopEntries: string[];
  /** Every run's figures, in the order they ran. */
  samples: { v4: number; dual: number; noop: number }[];
}

export function ipv6SpecYaml(n: number, dual: boolean): string {
  const lines = ['version: 1', 'name: bench6', 'bridges:'];
  for (let k = 0; k < Math.max(1, Math.ceil(n / 1000)); k++) {
    lines.push(`  br${k}: {subnet: 10.${100 + k}.0.0/16${dual ? `, subnet6: "fd00:${100 + k}::/64"` : ''}}`);
  }
  lines.push('containers:');
  for (let i = 0; i < n; i++) lines.push(`  c${i}: {bridge: br${Math.floor(i / 1000)}, ports: ["${10000 + i}:80"]}`);
  return `${lines.join('\n')}\n`;
}

async function timedTnet(box: Sandbox, env: string[], ...args: string[]): Promise<{ ms: number; out: string }> {
  const t = performance.now();
  const r = await box.run(['env', ...env, ...TNET, ...args]);
  const ms = performance.now() - t;
  if (r.code !== 0) throw new Error(`tnet ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return { ms, out: r.stdout };
}

/** The no-op's commands that changed something, and those that entered a namespace. */
function judge(logPath: string): { mutations: string[]; entries: string[] } {
  const log = execLog(logPath);
  return { mutations: mutations(log), entries: namespaceEntries(log) };
}

async function oneRun(n: number, dual: boolean): Promise<{ apply: number; noop: number; log: ReturnType<typeof judge> | null }> {
  const box = await Sandbox.create();
  try {
    const spec = box.writeSpec('bench6.yaml', ipv6SpecYaml(n, dual));
    const apply = await timedTnet(box, [], 'apply', '-f', spec);
    if (!dual) return { apply: apply.ms, noop: 0, log: null };
    const logPath = join(box.dir, 'exec.log');
    const noop = await timedTnet(box, [`TNET_EXEC_LOG=${logPath}`], 'apply', '-f', spec);
    if (!/No changes/.test(noop.out)) throw new Error(`the dual-stack re-apply was not a no-op:\n${noop.out}`);
    return { apply: apply.ms, noop: noop.ms, log: judge(logPath) };
  } finally {
    await box.destroy();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function measureIpv6(n: number, runs: number): Promise<Ipv6Bench> {
  const samples: Ipv6Bench['samples'] = [];
  let last: ReturnType<typeof judge> = { mutations: [], entries: [] };
  for (let r = 0; r < runs; r++) {
    process.stderr.write(`IPv6 N=${n}: run ${r + 1}/${runs}…\n`);
    // Which kind goes first alternates too: the second run of a pair may find a warmer page cache.
    const [first, second] = r % 2 === 0 ? [false, true] : [true, false];
    const a = await oneRun(n, first);
    const b = await oneRun(n, second);
    const [v4, dual] = first ? [b, a] : [a, b];
    samples.push({ v4: v4.apply, dual: dual.apply, noop: dual.noop });
    last = dual.log ?? last;
  }
  const applyV4 = median(samples.map((s) => s.v4));
  const applyDual = median(samples.map((s) => s.dual));
  return {
    n, runs, applyV4, applyDual, ratio: applyDual / applyV4,
    noopDual: median(samples.map((s) => s.noop)), noopMutations: last.mutations, noopEntries: last.entries, samples,
  };
}

export function ipv6Table(b: Ipv6Bench): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    `| IPv6, N=${b.n} (${b.runs} runs, alternating) | IPv4 only | dual stack | ratio (target ≤ 1.3) |`,
    '|---|---|---|---|',
    `| apply from empty | ${s(b.applyV4)} | ${s(b.applyDual)} | ${b.ratio.toFixed(2)} |`,
    `| no-op re-apply | | ${s(b.noopDual)} | ${b.noopMutations.length ? `changed: ${b.noopMutations.join('; ')}` : 'nothing changed'}${b.noopEntries.length ? `, entered: ${b.noopEntries.length}` : ', no namespace entered'} |`,
  ].join('\n');
}
