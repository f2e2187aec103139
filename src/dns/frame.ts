// DNS over TCP's framing (RFC 1035 §4.2.2): each message behind its length in two bytes.

/** A message with its length in front, ready to write on a stream. */
export function frame(msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(msg.length + 2);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}

/** Cuts a stream into messages, whatever the chunks it arrives in. */
export class Deframer {
  private pending: Buffer = Buffer.alloc(0);

  /** The messages completed by `chunk`, in order; a partial one waits for the next chunk. */
  push(chunk: Buffer): Buffer[] {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const end = 2 + buf.readUInt16BE(0);
      out.push(buf.subarray(2, end));
      buf = buf.subarray(end);
    }
    this.pending = buf;
    return out;
  }

  /** Bytes of a message not complete yet. */
  get waiting(): number {
    return this.pending.length;
  }
}
