// Reads every spec's records file from the specs folder, checking each has the shape the server relies on.

import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import type { DnsRecords } from '../model/dns.js';

export type Read = { ok: true; records: DnsRecords[] } | { ok: false; error: string };

/** A field that is not what it should be, named by its path in the file: `containers[3].endpoints[0].ip`. */
class Malformed extends Error {}

/**
 * All of them or an error naming the first file that fails: answering from some specs' records and not
 * others would look like names vanishing. A missing folder holds no records. Synchronous: the parse blocks
 * anyway, and asynchronous reads would start libuv's thread pool, four threads the server pays for in memory
 * for as long as it lives.
 */
export function readRecords(specsDir: string): Read {
  let names: string[];
  try {
    names = readdirSync(specsDir).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, records: [] };
    return { ok: false, error: `${specsDir}: ${(e as Error).message}` };
  }
  const records: DnsRecords[] = [];
  for (const name of names) {
    const file = join(specsDir, name);
    try {
      records.push(checkRecords(JSON.parse(readText(file))));
    } catch (e) {
      return { ok: false, error: `${file}: ${oneLine((e as Error).message)}` };
    }
  }
  return { ok: true, records };
}

/** The parsed JSON itself, once checked (no copy: ten thousand containers' records are megabytes), or a throw. */
export function checkRecords(v: unknown): DnsRecords {
  const r = object(v, '');
  str(r.spec, 'spec');
  list(r.networks, 'networks', checkNetwork);
  list(r.containers, 'containers', checkContainer);
  return v as DnsRecords;
}

function checkNetwork(v: unknown, at: string): void {
  const n = object(v, at);
  str(n.name, `${at}.name`);
  str(n.address, `${at}.address`);
}

function checkContainer(v: unknown, at: string): void {
  const c = object(v, at);
  str(c.name, `${at}.name`);
  list(c.endpoints, `${at}.endpoints`, checkEndpoint);
  list(c.links, `${at}.links`, (l, p) => {
    const o = object(l, p);
    str(o.alias, `${p}.alias`);
    str(o.target, `${p}.target`);
  });
  list(c.upstreams, `${at}.upstreams`, str);
}

function checkEndpoint(v: unknown, at: string): void {
  const e = object(v, at);
  str(e.network, `${at}.network`);
  str(e.ip, `${at}.ip`);
  // Absent on an IPv4-only network, and in records written before IPv6.
  if (e.ip6 !== undefined) str(e.ip6, `${at}.ip6`);
  list(e.names, `${at}.names`, str);
}

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Malformed(`${at || 'the file'} is not an object`);
  return v as Record<string, unknown>;
}

function str(v: unknown, at: string): void {
  if (typeof v !== 'string') throw new Malformed(`${at} is not a string`);
}

function list(v: unknown, at: string, item: (v: unknown, at: string) => void): void {
  if (!Array.isArray(v)) throw new Malformed(`${at} is not a list`);
  v.forEach((x, i) => item(x, `${at}[${i}]`));
}

const CHUNK = 64 * 1024;

/**
 * A file's text, read a chunk at a time: a megabyte-sized read buffer (ten thousand containers' records)
 * leaves glibc's heap that much bigger for good, when a chunk below its mmap threshold is reused.
 */
function readText(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let text = '';
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) text += decoder.write(chunk.subarray(0, n));
    return text + decoder.end();
  } finally {
    closeSync(fd);
  }
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
