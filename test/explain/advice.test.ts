// The advice: what to change in the spec to open a blocked way or close an open one, in its own words.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applied, whyOn, HOST_IP, OUTSIDE_IP } from './sim.js';

const ICC = `version: 1
host: { icc: false }
containers:
  a: { expose: [80] }
  b: { links: ["a:web"] }
  c: {}
  d: {}
  p: { ports: ["8080:80"] }
`;

const BRIDGES = `version: 1
bridges:
  br-one: { subnet: 10.201.0.0/24 }
  br-two: { subnet: 10.202.0.0/24 }
  br-int: { subnet: 10.203.0.0/24, internal: true }
containers:
  x: { network: br-one }
  y: { network: br-two, ports: ["8080:80"] }
  z: { network: br-int }
`;

test('icc off, no link: open the bridge, or link the pair (on the ports the target declares)', () => {
  const v = applied(ICC);
  assert.equal(whyOn(v, 'c', 'a:80').advice, [
    'set bridges.docker0.icc: true (every container on docker0 then reaches every other)',
    'or add links: ["a"] to containers.c (it opens 80 of a)',
  ]);
  assert.equal(whyOn(v, 'c', 'd:81').advice, [
    'set bridges.docker0.icc: true (every container on docker0 then reaches every other)',
    'or add links: ["d"] to containers.c (it opens all of d, which declares no port)',
  ]);
});

test('linked, but the port is not declared: expose it; ping is never linked', () => {
  const v = applied(ICC);
  assert.equal(whyOn(v, 'b', 'a:81').advice, [
    'set bridges.docker0.icc: true (every container on docker0 then reaches every other)',
    'add expose: [81] to containers.a (a link opens the exposed and published ports)',
  ]);
  assert.equal(whyOn(v, 'b', 'a').advice[1], "a link opens a's declared ports only, never ICMP: only icc lets a ping through");
});

test('isolation: use the published port, or join the other bridge; internal: turn it off', () => {
  const v = applied(BRIDGES);
  assert.equal(whyOn(v, 'x', 'y:80').advice, [
    'y publishes it on port 8080 of every host address: connect there instead (a published port is open to every bridge)',
    'or put containers.x on br-two as well: networks: {br-one: {}, br-two: {}}',
  ]);
  assert.equal(whyOn(v, 'x', 'y:81').advice[0], 'publish it: add ports: ["81:81"] to containers.y and connect to a host address (a published port is open to every bridge)');
  assert.equal(whyOn(v, 'z', `${OUTSIDE_IP}:80`).advice, ['containers on an internal bridge get no default route: set bridges.br-int.internal: false']);
});

test('allowed: close the link, the icc, the published port, the way out', () => {
  const v = applied(ICC);
  assert.equal(whyOn(v, 'b', 'a:80').advice, ['remove "a:web" from containers.b.links (or 80/tcp from a\'s expose and ports)']);
  assert.equal(whyOn(v, OUTSIDE_IP, 'host:8080').advice, ['remove "8080:80/tcp" from containers.p.ports, or publish it on one address only ("127.0.0.1:8080:80/tcp" opens it to the host alone)']);
  assert.equal(whyOn(applied(ICC.replace('icc: false', 'icc: true')), 'c', 'a:81').advice, ['set bridges.docker0.icc: false (then only links open docker0\'s containers to each other)']);
  assert.equal(whyOn(applied(BRIDGES), 'x', `${OUTSIDE_IP}:80`).advice, ["set bridges.br-one.internal: true (br-one's containers then reach nothing beyond it)"]);
});

test('allowed by nothing of the spec: close it by hand, forwarded traffic in the admin chain', () => {
  const v = applied(ICC);
  assert.equal(whyOn(v, 'host', 'a:80').advice, ["nothing of the spec lets it through (OUTPUT's policy ACCEPT does): close it with iptables -I OUTPUT -d 172.17.0.2 -j DROP"]);
  const t = whyOn({ ...v, spec: null }, 'c', `${HOST_IP}:22`);
  assert.equal(t.advice, ["nothing of the spec lets it through (INPUT's policy ACCEPT does): close it with iptables -I INPUT -s 172.17.0.4 -d 198.18.0.1 -j DROP"]);
  // Routed to a container's unpublished port from beyond the host: only FORWARD's policy lets it through.
  const f = whyOn(v, OUTSIDE_IP, 'c:80');
  assert.is(f.verdict, 'allowed');
  assert.equal(f.advice, [
    "nothing of the spec lets it through (FORWARD's policy ACCEPT does): close it with iptables -I TNET-USER -s 198.18.0.2 -d 172.17.0.4 -j DROP (TNET-USER is the admin's chain: tnet keeps its rules)",
  ]);
});

test.run();
