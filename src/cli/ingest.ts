import { readFileSync } from 'node:fs';
import { localPaths } from '../config.js';
import type { AppContext } from '../context.js';
import { DeskmailError } from '../errors.js';
import { receiveSafely } from '../ingress/receive-safely.js';
import { folderTransport, OutboxSender, smtpTransport } from '../outbox/send.js';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * `deskmail ingest`: the MTA-pipe entry. Stores each message exactly as the daemon would, then
 * makes one attempt to send the notifications they caused (what is not sent stays in the outbox
 * for `deskmail run`).
 */
export async function ingestCommand(ctx: AppContext, files: string[]): Promise<string[]> {
  const inputs: { name: string; raw: Buffer }[] = [];
  if (files.length === 0) {
    if (process.stdin.isTTY) throw new DeskmailError('USAGE', 'no file named and nothing on standard input: deskmail ingest FILE.eml, or pipe a message in');
    inputs.push({ name: 'stdin', raw: await readStdin() });
  } else {
    for (const f of files) {
      try {
        inputs.push({ name: f, raw: readFileSync(f) });
      } catch (err) {
        throw new DeskmailError('USAGE', `cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
  }
  const lines: string[] = [];
  let queued = 0;
  for (const input of inputs) {
    const result = await receiveSafely(ctx, input.raw, { source: input.name === 'stdin' ? 'pipe' : `file:${input.name}` });
    queued += result.notifications;
    lines.push(`${input.name}: ${result.outcome}${result.ticketRef ? ` ${result.ticketRef}` : ''} (${result.reason})`);
  }
  if (queued > 0) {
    const transport = ctx.config.smtp ? smtpTransport(ctx.config.smtp) : folderTransport(localPaths(ctx.config).outbox);
    const sender = new OutboxSender(ctx.db, transport, ctx.log, { fromName: ctx.config.helpdeskName, trackers: ctx.config.trackers });
    try {
      await sender.drainOnce();
    } finally {
      await sender.stop();
    }
  }
  return lines;
}
