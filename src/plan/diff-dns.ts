// tnet's DNS server: this spec's records written when they differ; the server kept running while any spec has some.

import type { Action } from '../model/action.js';
import type { DesiredState } from '../model/desired.js';
import { dnsServerNeeded } from '../model/dns.js';
import type { ObservedState } from '../model/observed.js';
import { dnsRecordsPath } from '../ownership/paths.js';

export function diffDns(desired: DesiredState, observed: ObservedState): Action[] {
  const want = desired.dns?.records ?? null;
  const seen = observed.dns;
  const out: Action[] = [];
  if (want !== seen.records) out.push({ op: 'dns-records', spec: desired.spec, path: desired.dns?.path ?? dnsRecordsPath(desired.spec), content: want });
  // It stops with the last spec's records, not before.
  const needed = dnsServerNeeded(desired.dns, seen);
  if (needed && (out.length > 0 || !seen.running)) out.push({ op: 'dns-serve' });
  if (!needed && seen.running) out.push({ op: 'dns-stop' });
  return out;
}
