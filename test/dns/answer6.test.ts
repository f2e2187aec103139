// Docker's embedded DNS rules for IPv6: AAAA by who asks, NODATA for a name without IPv6, ip6.arpa PTR, askers by IPv6.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import type { Packet, RecordType } from 'dns-packet';
import { answer, reverseIp6, TTL, type Decision } from '../../src/dns/answer.js';
import type { Query } from '../../src/dns/packets.js';
import { buildView, type DnsView } from '../../src/dns/view.js';
import { queryFor, sampleRecords } from './wire.js';

const view = buildView(sampleRecords());
const WEB = '10.1.0.2';
const APP_FRONT = '10.1.0.3';
const APP_BACK = '10.2.0.3';
const DB = '10.2.0.2';
const WEB6 = 'fd00:1::2';
const APP6 = 'fd00:1::3';

function ask(network: string, source: string, name: string, type: RecordType = 'AAAA', turn = 0, v: DnsView = view): Decision {
  const q: Query = dnsPacket.decode(dnsPacket.encode(queryFor(name, type)));
  return answer(v, network, source, q, turn);
}

function sent(d: Decision) {
  assert.ok('response' in d, `expected an answer, got ${JSON.stringify(d)}`);
  return dnsPacket.decode(dnsPacket.encode((d as { response: Packet }).response)) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
}

const data = (d: Decision) => sent(d).answers!.map((r) => ('data' in r ? String(r.data) : ''));
const rcode = (d: Decision) => sent(d).rcode;

/** The ip6.arpa name of an address, as a resolver builds it: 32 nibbles, the last first. */
function arpa6(ip: string): string {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((g) => g.padStart(4, '0'));
  return `${[...groups.join('')].reverse().join('.')}.ip6.arpa`;
}

test('AAAA of a container on a shared dual-stack network: its IPv6 address there, TTL 600, AA', () => {
  const r = sent(ask('front', WEB, 'app'));
  assert.is(r.rcode, 'NOERROR');
  assert.equal(r.answers!.map((x) => [x.type, 'data' in x ? x.data : null, 'ttl' in x ? x.ttl : null]), [['AAAA', APP6, TTL]]);
  assert.ok(r.flag_aa);
  assert.equal(data(ask('front', WEB, 'app', 'A')), [APP_FRONT], 'A still answers the IPv4 address');
});

test('hostname, aliases and <name>.<network> answer AAAA like the name, whatever the case', () => {
  for (const name of ['web-host', 'www', 'web.front', 'WEB.Front.', 'Web']) assert.equal(data(ask('front', APP_FRONT, name)), [WEB6], name);
});

test('AAAA of a name on a network the asker does not share: NXDOMAIN, as A', () => {
  assert.is(rcode(ask('front', WEB, 'db')), 'NXDOMAIN');
  assert.is(rcode(ask('front', WEB, 'secret')), 'NXDOMAIN', 'another spec\'s dual-stack container');
  assert.is(rcode(ask('iso', '10.3.0.2', 'web')), 'NXDOMAIN');
});

test('a name the asker sees, without IPv6: NODATA (NOERROR, no answer, AA), never forwarded', () => {
  for (const [network, source, name] of [['front', APP_FRONT, 'db'], ['back', DB, 'app'], ['back', DB, 'svc'], ['front', APP_FRONT, 'db.back']]) {
    const r = sent(ask(network, source, name));
    assert.is(r.rcode, 'NOERROR', name);
    assert.equal(r.answers, [], name);
    assert.ok(r.flag_aa, name);
  }
});

test('AAAA looks past a network where the name has no IPv6 to the asker\'s next, as Docker\'s resolver; A keeps the arrival network', () => {
  assert.equal(data(ask('back', APP_BACK, 'app')), [APP6]);
  assert.equal(data(ask('back', APP_BACK, 'app', 'A')), [APP_BACK]);
});

test('a link alias answers AAAA with its target\'s IPv6 address, for the linking container only', () => {
  assert.equal(data(ask('back', APP_BACK, 'edge')), [WEB6], 'web is on front, which app shares');
  assert.equal(data(ask('front', APP_FRONT, 'EDGE')), [WEB6]);
  assert.equal(data(ask('back', APP_BACK, 'edge', 'A')), [WEB]);
  assert.equal(sent(ask('front', APP_FRONT, 'database')).answers, [], 'db has no IPv6: NODATA');
  assert.equal(ask('front', WEB, 'edge'), { forward: ['192.0.2.53', '192.0.2.54'] }, 'web has no such link');
});

test('several dual-stack containers holding one alias: every IPv6 address, rotated from one turn to the next', () => {
  const records = sampleRecords();
  records[0].containers.push({ name: 'web2', endpoints: [{ network: 'front', ip: '10.1.0.4', ip6: 'fd00:1::4', names: ['web2', 'www'] }], links: [], upstreams: [] });
  const v = buildView(records);
  assert.equal(data(ask('front', APP_FRONT, 'www', 'AAAA', 0, v)), [WEB6, 'fd00:1::4']);
  assert.equal(data(ask('front', APP_FRONT, 'www', 'AAAA', 1, v)), ['fd00:1::4', WEB6]);
  assert.equal(data(ask('front', APP_FRONT, 'www', 'AAAA', 2, v)), [WEB6, 'fd00:1::4']);
  const d = ask('front', APP_FRONT, 'www', 'AAAA', 0, v);
  assert.is('turns' in d && d.turns, 2);
});

test('PTR of a container\'s IPv6 address: <container>.<network>, on any network the asker shares', () => {
  const r = sent(ask('front', APP_FRONT, arpa6(WEB6), 'PTR'));
  assert.equal(r.answers!.map((x) => [x.type, 'data' in x ? x.data : null]), [['PTR', 'web.front']]);
  assert.equal(data(ask('back', APP_BACK, `${arpa6(APP6).toUpperCase()}.`, 'PTR')), ['app.front']);
  assert.equal(sent(ask('front', APP_FRONT, arpa6(WEB6), 'A')).answers, [], 'another type of a reverse name we hold: NODATA');
});

test('PTR ip6.arpa of a container the asker does not see: NXDOMAIN; of an unknown address or a partial zone: forwarded', () => {
  assert.is(rcode(ask('front', WEB, arpa6('fd00:3::2'), 'PTR')), 'NXDOMAIN');
  const up = { forward: ['192.0.2.53', '192.0.2.54'] };
  assert.equal(ask('front', WEB, arpa6('fd00:1::99'), 'PTR'), up);
  assert.equal(ask('front', WEB, '1.0.0.0.0.0.d.f.ip6.arpa', 'PTR'), up);
  assert.equal(ask('front', WEB, arpa6(APP6).replace(/^3/, 'g'), 'PTR'), up, 'not a nibble');
});

test('reverseIp6 gives the address as the records write it', () => {
  assert.is(reverseIp6(arpa6('fd00:0:0:0:0:0:0:1')), 'fd00::1');
  assert.is(reverseIp6(arpa6('2001:db8:0:1:0:0:0:ab')), '2001:db8:0:1::ab');
  assert.is(reverseIp6('2.0.1.10.in-addr.arpa'), null);
});

test('a query from a container\'s IPv6 address is that container\'s: its networks, links and upstreams', () => {
  assert.equal(data(ask('front', APP6, 'db', 'A')), [DB], 'app sees back');
  assert.equal(data(ask('front', APP6, 'database', 'A')), [DB], 'its link');
  assert.equal(ask('front', APP6, 'example.com', 'A'), { forward: ['192.0.2.53'] });
  assert.is(rcode(ask('front', 'fd00:1::99', 'db', 'A')), 'NXDOMAIN', 'a stranger sees that network only');
  assert.is(rcode(ask('front', 'fd00:1::99', 'example.com', 'A')), 'REFUSED');
});

test.run();
