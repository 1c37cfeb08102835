import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export interface StoredAttachment {
  sha256: string;
  size: number;
}

/**
 * Attachments as content-addressed files (DIR/ab/abcdef…): streamed to disk while hashed, never held
 * whole in memory; the same file sent twice is stored once. Written before the transaction commits,
 * so a crash leaves at most an unreferenced file that the next attempt reuses.
 */
export class AttachmentStore {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async save(content: Readable): Promise<StoredAttachment> {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.incoming-${process.pid}-${randomBytes(6).toString('hex')}`);
    const { sha256, size } = await hashWhile(content, createWriteStream(tmp));
    const target = this.pathOf(sha256);
    if (existsSync(target)) rmSync(tmp, { force: true });
    else {
      mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      renameSync(tmp, target);
    }
    return { sha256, size };
  }
}

/** Hashes a stream while it flows into `sink` (a file, or nowhere). */
export async function hashWhile(content: Readable, sink: NodeJS.WritableStream): Promise<StoredAttachment> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(content, tap, sink);
  return { sha256: hash.digest('hex'), size };
}
