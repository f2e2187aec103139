// Docker's embedded DNS rules, query by query: who sees which name, what is NXDOMAIN, what is forwarded.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import type { Packet, RecordType } from 'dns-packet';
import { answer, TTL, type Decision } from '../../src/dns/answer.js';
import type { Query } from '../../src/dns/packets.js';
import { buildView } from '../../src/dns/view.js';
import { queryFor, sampleRecords } from './wire.js';

const view = buildView(sampleRecords());
const WEB = '10.1.0.2';
const APP_FRONT = '10.1.0.3';
const APP_BACK = '10.2.0.3';
const DB = '10.2.0.2';

/** The query as the server decodes it off the wire. */
const decoded = (name: string, type: RecordType = 'A', extra: Partial<Packet> = {}): Query => dnsPacket.decode(dnsPacket.encode(queryFor(name, type, extra)));

function ask(network: string, source: string, name: string, type: RecordType = 'A', turn = 0): Decision {
  return answer(view, network, source, decoded(name, type), turn);
}

/** What a decision sends, as the client decodes it. */
function sent(d: Decision) {
  assert.ok('response' in d, `expected an answer, got ${JSON.stringify(d)}`);
  return dnsPacket.decode(dnsPacket.encode((d as { response: Packet }).response)) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
}

const a = (d: Decision) => sent(d).answers!.map((r) => ('data' in r ? String(r.data) : ''));
const rcode = (d: Decision) => sent(d).rcode;

test('a container name on the network the query arrived on: its address there, TTL 600, AA and RA set', () => {
  const r = sent(ask('front', WEB, 'app'));
  assert.is(r.rcode, 'NOERROR');
  assert.equal(r.answers!.map((x) => [x.type, 'data' in x ? x.data : null, 'ttl' in x ? x.ttl : null]), [['A', APP_FRONT, TTL]]);
  assert.ok(r.flag_aa && r.flag_ra && r.flag_qr);
  assert.is(TTL, 600);
});

test('ID, question and RD are those of the query', () => {
  const q = decoded('app', 'A', { flags: 0 });
  const r = sent(answer(view, 'front', WEB, q));
  assert.is(r.id, q.id);
  assert.equal(r.questions, q.questions);
  assert.not.ok(r.flag_rd);
  assert.ok(sent(ask('front', WEB, 'app')).flag_rd);
});

test('hostname and network aliases resolve like the name', () => {
  assert.equal(a(ask('front', APP_FRONT, 'web-host')), [WEB]);
  assert.equal(a(ask('front', APP_FRONT, 'www')), [WEB]);
});

test('names match whatever their case, with or without the trailing dot; the answer repeats the name as asked', () => {
  const r = sent(ask('front', APP_FRONT, 'WeB.'));
  assert.equal(r.answers!.map((x) => [x.name, 'data' in x ? x.data : null]), [['WeB', WEB]]);
});

test('<container>.<network> resolves on a network the asker is on', () => {
  assert.equal(a(ask('front', WEB, 'app.front')), [APP_FRONT]);
  assert.equal(a(ask('front', APP_FRONT, 'db.back')), [DB]);
  assert.equal(a(ask('back', APP_BACK, 'APP.Front')), [APP_FRONT]);
});

test('the asker\'s other networks come after the arrival network, in order', () => {
  assert.equal(a(ask('front', APP_FRONT, 'db')), [DB], 'db is on back only, which app is on too');
  assert.equal(a(ask('back', APP_BACK, 'app')), [APP_BACK], 'the arrival network first');
  assert.equal(a(ask('front', APP_FRONT, 'app')), [APP_FRONT]);
});

test('a link alias resolves for the linking container only, to the target on a network they share', () => {
  assert.equal(a(ask('front', APP_FRONT, 'database')), [DB]);
  assert.equal(a(ask('back', APP_BACK, 'DATABASE')), [DB]);
  assert.equal(ask('front', WEB, 'database'), { forward: ['192.0.2.53', '192.0.2.54'] }, 'web has no such link: not ours');
});

test('a name of a network the asker is not on is NXDOMAIN, not forwarded: answers are scoped by who asks', () => {
  assert.is(rcode(ask('front', WEB, 'db')), 'NXDOMAIN');
  assert.is(rcode(ask('front', WEB, 'db.back')), 'NXDOMAIN');
  assert.is(rcode(ask('front', WEB, 'secret')), 'NXDOMAIN', 'another spec\'s name');
  assert.is(rcode(ask('iso', '10.3.0.2', 'web')), 'NXDOMAIN');
  assert.ok(sent(ask('front', WEB, 'db')).flag_aa);
});

test('several containers holding one alias: every address, rotated from one turn to the next', () => {
  assert.equal(a(ask('back', DB, 'svc', 'A', 0)), [APP_BACK, DB]);
  assert.equal(a(ask('back', DB, 'svc', 'A', 1)), [DB, APP_BACK]);
  assert.equal(a(ask('back', DB, 'svc', 'A', 2)), [APP_BACK, DB]);
  const d = ask('back', DB, 'svc');
  assert.is('turns' in d && d.turns, 2);
});

test('ANY answers the A then the AAAA records; other types of a name we hold are NODATA', () => {
  assert.equal(a(ask('front', WEB, 'app', 'ANY' as RecordType)), [APP_FRONT, 'fd00:1::3']);
  assert.equal(a(ask('back', DB, 'app', 'ANY' as RecordType)), [APP_BACK], 'db sees app on back only, which is IPv4 only');
  for (const type of ['MX', 'TXT', 'SRV'] as RecordType[]) {
    const r = sent(ask('front', WEB, 'app', type));
    assert.is(r.rcode, 'NOERROR', type);
    assert.equal(r.answers, [], type);
    assert.ok(r.flag_aa, type);
  }
});

test('PTR of a container on a shared network: <container>.<network>', () => {
  const r = sent(ask('front', APP_FRONT, '2.0.1.10.in-addr.arpa', 'PTR'));
  assert.equal(r.answers!.map((x) => [x.type, 'data' in x ? x.data : null]), [['PTR', 'web.front']]);
  assert.equal(a(ask('front', APP_FRONT, '2.0.2.10.IN-ADDR.ARPA.', 'PTR')), ['db.back']);
});

test('PTR of a container the asker does not see is NXDOMAIN; of an unknown address, forwarded', () => {
  assert.is(rcode(ask('front', WEB, '2.0.2.10.in-addr.arpa', 'PTR')), 'NXDOMAIN');
  assert.equal(ask('front', WEB, '9.9.9.10.in-addr.arpa', 'PTR'), { forward: ['192.0.2.53', '192.0.2.54'] });
  assert.equal(ask('front', WEB, '0.1.10.in-addr.arpa', 'PTR'), { forward: ['192.0.2.53', '192.0.2.54'] }, 'a partial reverse zone');
});

test('any other name goes to the asker\'s upstreams, in order', () => {
  assert.equal(ask('front', WEB, 'example.com'), { forward: ['192.0.2.53', '192.0.2.54'] });
  assert.equal(ask('back', APP_BACK, 'example.com'), { forward: ['192.0.2.53'] });
  assert.equal(ask('iso', '10.3.0.2', 'example.com'), { forward: ['192.0.2.99'] });
});

test('no upstreams (a container on internal networks only): SERVFAIL at once', () => {
  const r = sent(ask('back', DB, 'example.com'));
  assert.is(r.rcode, 'SERVFAIL');
  assert.not.ok(r.flag_aa);
});

test('an asker that is not our container (the host) sees that network\'s names only and nothing is forwarded', () => {
  assert.equal(a(ask('front', '10.1.0.1', 'web')), [WEB]);
  assert.is(rcode(ask('front', '10.1.0.1', 'db')), 'NXDOMAIN');
  assert.is(rcode(ask('front', '10.1.0.1', 'example.com')), 'REFUSED');
  assert.is(rcode(ask('front', '10.1.0.1', 'database')), 'REFUSED', 'link aliases belong to their container');
});

test('a query with no question or two is FORMERR; another opcode NOTIMP', () => {
  assert.is(rcode(answer(view, 'front', WEB, decoded('web', 'A', { questions: [] }))), 'FORMERR');
  const two = decoded('web', 'A', { questions: [{ type: 'A', name: 'web' }, { type: 'A', name: 'app' }] });
  assert.is(rcode(answer(view, 'front', WEB, two)), 'FORMERR');
  const notify = dnsPacket.decode(dnsPacket.encode({ ...queryFor('web'), flags: 4 << 11 }));
  assert.is(rcode(answer(view, 'front', WEB, notify)), 'NOTIMP');
});

test('a network the view does not know: REFUSED', () => {
  assert.is(rcode(answer(view, 'gone', WEB, decoded('web'))), 'REFUSED');
});

test.run();
