import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';

/**
 * A raw message as the ingress hands it over: small mail as a Buffer, large mail already spooled
 * to the content-addressed file store while it was downloaded (so a 34 MB mail never exists as
 * several whole buffers). The spooled file is the stored raw source; nothing copies it again.
 */
export type RawMail = Buffer | SpooledMail;

export interface SpooledMail {
  /** The file in the store (DIR/ab/abcdef…), named by its SHA-256. */
  path: string;
  sha256: string;
  size: number;
}

export function isSpooled(raw: RawMail): raw is SpooledMail {
  return !Buffer.isBuffer(raw);
}

export function rawSize(raw: RawMail): number {
  return isSpooled(raw) ? raw.size : raw.length;
}

/** The first `bytes` of the message (headers, the start of the body); reads only that much of a spooled file. */
export function rawHead(raw: RawMail, bytes: number): Buffer {
  if (!isSpooled(raw)) return raw.subarray(0, bytes);
  const fd = openSync(raw.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(bytes, raw.size));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The whole message in memory. Only for rare paths that need every byte at once (a large bounce's
 * MIME tree, quarantining a large mail); the common path streams.
 */
export function rawBuffer(raw: RawMail): Buffer {
  return isSpooled(raw) ? readFileSync(raw.path) : raw;
}

/** The message as a stream with backpressure (64 KiB reads), so the parser never holds it whole. */
export function rawStream(raw: SpooledMail): Readable {
  return createReadStream(raw.path, { highWaterMark: 64 * 1024 });
}

/** Classic-Mac bare-CR line ends, streamed: every CR becomes CRLF (the same rewrite as normalizeBareCr). */
export function bareCrToCrlf(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, chunk.includes(0x0d) ? Buffer.from(chunk.toString('latin1').replace(/\r/g, '\r\n'), 'latin1') : chunk);
    },
  });
}
