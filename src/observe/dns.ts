// Reads what the host has of tnet's DNS server: this spec's records, other specs' records, whether it answers.

import { readdirSync, readFileSync } from 'node:fs';
import type { ObservedDns } from '../model/dns.js';
import { DNS_CONTROL, DNS_SPECS_DIR, dnsRecordsPath } from '../ownership/paths.js';
import { answersPing } from '../util/line-socket.js';

/** A host where tnet's DNS server has never run. */
export const NO_DNS: ObservedDns = Object.freeze({ spec: '', records: null, others: [], running: false });

/** How long a live server may take to answer `ping`: it answers between queries, at once. */
const PING_MS = 2000;

export async function observeDns(spec: string): Promise<ObservedDns> {
  const others = recordFiles().filter((f) => f !== `${spec}.json`).map((f) => f.slice(0, -'.json'.length));
  return { spec, records: readOrNull(dnsRecordsPath(spec)), others, running: await answersPing(DNS_CONTROL, PING_MS) };
}

function recordFiles(): string[] {
  try {
    return readdirSync(DNS_SPECS_DIR).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
