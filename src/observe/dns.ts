// Reads what the host has of tnet's DNS server: this spec's records, other specs' records, whether it answers.

import { readdirSync, statSync } from 'node:fs';
import type { ObservedDns } from '../model/dns.js';
import { DNS_CONTROL, DNS_SPECS_DIR, dnsRecordsPath } from '../ownership/paths.js';
import { answersPing } from '../util/line-socket.js';
import { readTextOr } from '../util/read-text.js';

/** A host where tnet's DNS server has never run. */
export const NO_DNS: ObservedDns = Object.freeze({ spec: '', records: null, others: [], running: false });

/** How long a live server may take to answer `ping`: it answers between queries, at once. */
const PING_MS = 2000;

/** `records`: a reader kept across reconciles (watch mode), which reads the file again only once it changed. */
export async function observeDns(spec: string, records: RecordsReader = new RecordsReader()): Promise<ObservedDns> {
  const others = recordFiles().filter((f) => f !== `${spec}.json`).map((f) => f.slice(0, -'.json'.length));
  return { spec, records: records.read(dnsRecordsPath(spec)), others, running: await answersPing(DNS_CONTROL, PING_MS) };
}

/**
 * A records file's text, read again only when the file is another (tnet renames each new one into place),
 * or its size or times moved: at 10,000 containers a watch edit read ~1 MB of records it had read last time.
 * A file changed within the last moments is not trusted to show its next change (a kernel may stamp times
 * by the clock tick, a few ms): it is read again next time, as git treats a racily clean index entry.
 */
export class RecordsReader {
  private last: { path: string; stamp: string; text: string | null } | null = null;

  read(path: string): string | null {
    let stamp: string;
    let changedMs: number;
    try {
      const st = statSync(path, { bigint: true });
      stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      changedMs = Number((st.ctimeNs > st.mtimeNs ? st.ctimeNs : st.mtimeNs) / 1_000_000n);
    } catch {
      this.last = null;
      return null;
    }
    if (this.last?.path === path && this.last.stamp === stamp) return this.last.text;
    const text = readTextOr(path, null);
    this.last = Date.now() - changedMs > RACY_MS ? { path, stamp, text } : null;
    return text;
  }
}

/** Longer than any clock tick file times are stamped by. */
const RACY_MS = 100;

function recordFiles(): string[] {
  try {
    return readdirSync(DNS_SPECS_DIR).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
}
