// The server's own responses, as dns-packet values: a reply to a decoded query, FORMERR, SERVFAIL, truncation.

import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';

/** The response codes the server sets itself (RFC 1035 §4.1.1). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = (typeof RCODE)[keyof typeof RCODE];

/** What dns-packet decodes and its types leave out. */
export type Query = DecodedPacket & { opcode?: string };

/** A client that sends no EDNS record takes at most this over UDP (RFC 1035 §2.3.4). */
const CLASSIC_UDP = 512;
const OPCODE_BITS = 0x7800;

/**
 * A response to `query`: its ID, opcode and question, RD as asked, RA (the server recurses for containers), and
 * AA when the server answers for its own names.
 */
export function reply(query: Query, rcode: Rcode, answers: Answer[] = [], authoritative = true): Packet {
  const flags =
    ((query.flags ?? 0) & OPCODE_BITS) |
    (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) |
    dnsPacket.RECURSION_AVAILABLE |
    (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    rcode;
  return { type: 'response', id: query.id, flags, questions: query.questions, answers };
}

/**
 * FORMERR for a message dns-packet cannot decode, or null when not even its header is there (dropped). The ID
 * and flags are read by hand: they are all of a header that is left when its question is garbage.
 */
export function formatError(msg: Buffer): Buffer | null {
  if (msg.length < 12) return null;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return null;
  const header = { id: msg.readUInt16BE(0), flags, flag_rd: (flags & dnsPacket.RECURSION_DESIRED) !== 0, questions: [] };
  return dnsPacket.encode(reply(header as unknown as Query, RCODE.FORMERR, [], false));
}

/** SERVFAIL for a raw query: what a client gets when no upstream answered. */
export function serverFailure(raw: Buffer): Buffer | null {
  try {
    return dnsPacket.encode(reply(dnsPacket.decode(raw), RCODE.SERVFAIL, [], false));
  } catch {
    return formatError(raw);
  }
}

/** The most a UDP client takes: what its EDNS record offers, never less than 512. */
export function udpLimit(query: Query): number {
  for (const a of query.additionals ?? []) {
    if (a.type === 'OPT') return Math.max(CLASSIC_UDP, a.udpPayloadSize);
  }
  return CLASSIC_UDP;
}

/** `response` cut to the answers that fit in `limit` bytes, with TC set: the client asks again over TCP. */
export function truncate(response: Packet, limit: number): Buffer {
  const answers = [...(response.answers ?? [])];
  const cut: Packet = { ...response, flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers };
  while (answers.length > 0 && dnsPacket.encodingLength(cut) > limit) answers.pop();
  return dnsPacket.encode(cut);
}
