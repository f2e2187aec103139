// End to end, as root in throwaway namespaces: published ports against sockets the host already listens on.

import type { ChildProcess } from 'node:child_process';
import * as assert from 'uvu/assert';
import { applyOk, type Sandbox } from '../helpers/sandbox.js';
import { HOST_IP, ipOf, netSuite, OTHER_HOST_IP, tcp } from '../helpers/net.js';

const t = netSuite('ports in use on the host');

// Holds a port until killed, answering tcp connections with "host"; prints "ready" once bound.
const LISTENER = `
const [proto, ip, port] = process.argv.slice(1);
const up = () => console.log('ready');
if (proto === 'tcp') require('net').createServer((s) => s.end('host\\n')).listen(Number(port), ip, up);
else require('dgram').createSocket(ip.includes(':') ? 'udp6' : 'udp4').bind(Number(port), ip, up);
setTimeout(() => process.exit(0), 120000).unref();
`;

/** Listeners started by the tests, killed after each. */
const started: ChildProcess[] = [];
t.after.each(async () => {
  await Promise.all(started.splice(0).map((c) => stop(c)));
});

/** A process on the sandbox host (or in namespace `ns`) holding `ip:port`; resolves once it is bound. */
async function listen(box: Sandbox, proto: 'tcp' | 'udp', ip: string, port: number, ns: string | null = null): Promise<ChildProcess> {
  const enter = ns ? ['ip', 'netns', 'exec', ns] : [];
  const child = box.spawn([...enter, process.execPath, '-e', LISTENER, proto, ip, String(port)]);
  started.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  await new Promise<void>((ok, ko) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && ok());
    child.once('exit', (c) => ko(new Error(`listener ${proto} ${ip}:${port} exited with ${c}: ${err}`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** Applies a one-container spec publishing `ports`; returns the run. */
async function publish(box: Sandbox, ports: string[], file = 'web.yaml') {
  const spec = box.writeSpec(file, `version: 1\ncontainers:\n  web: { ports: ${JSON.stringify(ports)} }\n`);
  return { spec, r: await box.tnet('apply', '-f', spec) };
}

async function nothingCreated(box: Sandbox, what: string): Promise<void> {
  assert.not.match(await box.must('iptables-save'), /TNET/, `${what}: no rule written`);
  assert.is((await box.sh('ip link show docker0')).code, 1, `${what}: no bridge created`);
  assert.is((await box.sh('ip netns list')).stdout.includes('web'), false, `${what}: no namespace created`);
}

t('a tcp port the host listens on is refused before any action, naming the port, the address and the process', async ({ box }) => {
  const server = await listen(box, 'tcp', '0.0.0.0', 8070);
  const { r } = await publish(box, ['8070:80']);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /^error\[conflict\]: web publishes 0\.0\.0\.0:8070\/tcp, but pid \d+ \(node\) already listens on tcp 0\.0\.0\.0:8070 on this host \(address already in use\)$/m);
  assert.match(r.stderr, `pid ${server.pid} (node)`);
  assert.match(r.stderr, /hint: pick another host port/);
  assert.match(r.stderr, /\n\nnothing was changed\.$/);
  await nothingCreated(box, 'tcp');
  assert.is(await tcp(box, 'outside', HOST_IP, 8070), 'host', 'the service still answers');
});

t('udp too, and per protocol: a udp socket does not hold the tcp port', async ({ box }) => {
  await listen(box, 'udp', '0.0.0.0', 5353);
  const { r } = await publish(box, ['5353:53/udp']);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /5353\/udp, but pid \d+ \(node\) is already bound to udp 0\.0\.0\.0:5353 on this host/);
  await nothingCreated(box, 'udp');
  const tcpOnly = await publish(box, ['5353:53']);
  assert.is(tcpOnly.r.code, 0, tcpOnly.r.stdout + tcpOnly.r.stderr);
});

t('a dual-stack `::` listener holds the IPv4 port too', async ({ box }) => {
  await listen(box, 'tcp', '::', 8070);
  const { r } = await publish(box, ['8070:80']);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /already listens on tcp \[::\]:8070/);
});

t('a listener on 127.0.0.1 blocks a port on every address and on 127.0.0.1, not one bound to another address', async ({ box }) => {
  await listen(box, 'tcp', '127.0.0.1', 8070);
  for (const port of ['8070:80', '127.0.0.1:8070:80']) {
    const { r } = await publish(box, [port]);
    assert.is(r.code, 3, `${port}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /already listens on tcp 127\.0\.0\.1:8070/);
  }
  await nothingCreated(box, 'loopback');
  const { r } = await publish(box, [`${HOST_IP}:8070:80`]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(await tcp(box, null, '127.0.0.1', 8070), 'host', 'the loopback service keeps its port');
});

t('listeners inside container namespaces do not count', async ({ box }) => {
  await applyOk(box, box.writeSpec('web.yaml', 'version: 1\ncontainers:\n  web: {}\n'));
  await listen(box, 'tcp', '0.0.0.0', 80, 'web');
  await listen(box, 'tcp', '0.0.0.0', 8070, 'outside');
  const { r } = await publish(box, ['8070:80']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(await tcp(box, 'outside', HOST_IP, 8070), 'host', 'the container answers on the published port');
});

t('an ephemeral host port skips the ports in use', async ({ box }) => {
  await listen(box, 'tcp', '0.0.0.0', 32768);
  await listen(box, 'tcp', '127.0.0.1', 32769);
  await publish(box, ['80']).then(({ r }) => assert.is(r.code, 0, r.stdout + r.stderr));
  const web = await ipOf(box, 'web');
  const nat = await box.must('iptables-save -t nat');
  assert.match(nat, new RegExp(`--dport 32770 .*--to-destination ${web.replace(/\./g, '\\.')}:80`), nat);
  assert.is(await tcp(box, 'outside', HOST_IP, 32768), 'host', 'the service keeps its port');
});

t('a port this spec already publishes stays published when a service binds it later; a new one is refused', async ({ box }) => {
  const { spec } = await publish(box, ['8070:80']);
  await listen(box, 'tcp', '0.0.0.0', 8070);
  assert.match(await applyOk(box, spec), /No changes/, 'the unchanged spec re-applies');
  await listen(box, 'tcp', OTHER_HOST_IP, 8071);
  const { r } = await publish(box, ['8070:80', '8071:81']);
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.not.match(r.stderr, /:8070\//, 'only the new port is named');
  assert.match(r.stderr, `already listens on tcp ${OTHER_HOST_IP}:8071`);
  assert.not.match(await box.must('iptables-save -t nat'), /--dport 8071/, 'nothing written');
});

t.run();
