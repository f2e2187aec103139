// The watch's connection to the DNS server: its closing is reported once; none is opened after the watch stops.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsServerEvents } from '../../src/watch/dns-server-events.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stand-in for the server's control socket that counts connections and can drop them all. */
async function control(): Promise<{ path: string; server: Server; conns: Socket[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tnet-dns-events-'));
  const path = join(dir, 'control.sock');
  const conns: Socket[] = [];
  const server = createServer((c) => conns.push(c));
  await new Promise<void>((r) => server.listen(path, r));
  return { path, server, conns, dir };
}

test('the server going away is reported once; follow again reconnects', async () => {
  const c = await control();
  let gone = 0;
  const events = new DnsServerEvents(() => gone++, c.path);
  events.follow(true);
  events.follow(true);
  await sleep(50);
  assert.is(c.conns.length, 1, 'one connection however often followed');
  c.conns[0].destroy();
  await sleep(50);
  assert.is(gone, 1);
  events.follow(true);
  await sleep(50);
  assert.is(c.conns.length, 2);
  events.close();
  await sleep(50);
  assert.is(gone, 1, 'closing it ourselves is not the server going away');
  c.server.close();
  rmSync(c.dir, { recursive: true, force: true });
});

test('after close, a reconcile that ends later opens no connection', async () => {
  const c = await control();
  const events = new DnsServerEvents(() => undefined, c.path);
  events.close();
  events.follow(true);
  await sleep(50);
  assert.is(c.conns.length, 0);
  c.server.close();
  rmSync(c.dir, { recursive: true, force: true });
});

test('a server no spec needs is not followed', async () => {
  const c = await control();
  const events = new DnsServerEvents(() => undefined, c.path);
  events.follow(true);
  await sleep(50);
  events.follow(false);
  await sleep(50);
  assert.ok(c.conns[0].destroyed || c.conns[0].readableEnded, 'the connection is closed');
  c.server.close();
  rmSync(c.dir, { recursive: true, force: true });
});

test.run();
