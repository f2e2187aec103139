// Reads the forwarding entries that point into the underlay (VXLAN devices'), in one `bridge -j fdb show`.

import type { ObservedFdb } from '../model/observed.js';
import { run } from '../util/exec.js';
import { readFailed } from './failed.js';

interface FdbJson {
  mac: string;
  ifname?: string;
  dst?: string;
}

export async function observeFdb(): Promise<ObservedFdb[]> {
  const r = await run('bridge', ['-j', 'fdb', 'show']);
  if (r.code !== 0) throw readFailed('bridge', 'forwarding entries', r.stderr, 'tnet needs iproute2 with JSON output, and root: does `bridge -j fdb show` work?');
  return parseFdb(r.stdout);
}

/** Only entries with a `dst`: bridge ports' own and learned entries (thousands on a large host) do not matter. */
export function parseFdb(json: string): ObservedFdb[] {
  const all = JSON.parse(json.trim() || '[]') as FdbJson[];
  return all.flatMap((e) => (e.dst && e.ifname ? [{ dev: e.ifname, mac: e.mac.toLowerCase(), dst: e.dst }] : []));
}
