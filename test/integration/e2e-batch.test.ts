import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAll } from '../../bench/mailbox.js';
import type { AppContext } from '../../src/context.js';
import { AttachmentStore } from '../../src/mail/attachments.js';
import { startDesk, type E2eDesk } from '../support/e2e.js';
import { mailStack, rawMail, readMailbox, uniqueAddress, waitFor } from '../support/mail-client.js';

/**
 * A backlog read in windows (one FETCH per window, one STORE \Seen per window after the commits)
 * with a large mail in the middle that is streamed to the file store, not fetched into memory.
 */
describe('gateway on a backlog with a large mail', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  let desk: E2eDesk | undefined;
  let ctx: AppContext;
  const attachment = randomBytes(3 * 1024 * 1024);
  let big: Buffer;
  const small = 210; // more than one window of 200

  beforeAll(async () => {
    const s = mailStack();
    const mails: Buffer[] = [];
    for (let i = 0; i < small; i++) {
      const from = uniqueAddress(`c${i}`, 'example.test');
      mails.push(Buffer.from(rawMail({ from, to: support, subject: `Backlog ${i}`, messageId: `batch-${i}-${from}`, body: `Mail number ${i}.` })));
      if (i === 30) {
        const b64 = attachment.toString('base64').replace(/.{76}/g, '$&\r\n');
        big = Buffer.from(
          [
            `From: Big Sender <${uniqueAddress('big', 'example.test')}>`,
            `To: ${support}`,
            'Subject: The log file you asked for',
            `Message-ID: <big-${support}>`,
            'MIME-Version: 1.0',
            'Content-Type: multipart/mixed; boundary="b1"',
            '',
            '--b1',
            'Content-Type: text/plain; charset=utf-8',
            '',
            'Here is the log.',
            '--b1',
            'Content-Type: application/octet-stream; name="server.log"',
            'Content-Disposition: attachment; filename="server.log"',
            'Content-Transfer-Encoding: base64',
            '',
            b64,
            '--b1--',
            '',
          ].join('\r\n'),
        );
        mails.push(big);
      }
    }
    await appendAll({ host: s.host, port: s.imapPort, user: support, pass: s.password }, mails);
    desk = await startDesk('batch', { support });
    ctx = desk.ctx;
  }, 60_000);

  afterAll(async () => {
    await desk?.stop();
  });

  it('stores every mail once and flags them all \\Seen', async () => {
    await waitFor('all receipts', async () => {
      const [row] = (await ctx.db('receipts').count<{ count: string }[]>('id as count')) as { count: string }[];
      return Number(row!.count) >= small + 1 ? true : undefined;
    }, 60_000);
    const outcomes = (await ctx.db('receipts').select('outcome')) as { outcome: string }[];
    expect(outcomes.filter((o) => o.outcome === 'stored')).toHaveLength(small + 1);
    const tickets = (await ctx.db('tickets').select('subject')) as { subject: string }[];
    expect(tickets).toHaveLength(small + 1);
    const inbox = await waitFor('all flagged', async () => {
      const m = await readMailbox(support);
      return m.length === small + 1 && m.every((x) => x.seen) ? m : undefined;
    }, 30_000);
    expect(inbox.every((m) => m.seen)).toBe(true);
  });

  it('keeps the large mail byte for byte in the file store, with its attachment', async () => {
    const row = (await ctx.db('messages').where({ subject: 'The log file you asked for' }).first('id', 'raw', 'raw_sha256', 'raw_size', 'body')) as { id: number; raw: Buffer | null; raw_sha256: string; raw_size: string | number; body: string };
    expect(row.body).toBe('Here is the log.');
    expect(row.raw).toBeNull();
    expect(Number(row.raw_size)).toBe(big.length);
    expect(row.raw_sha256).toBe(createHash('sha256').update(big).digest('hex'));
    const files = new AttachmentStore(ctx.config.attachmentsDir);
    expect(readFileSync(files.pathOf(row.raw_sha256)).equals(big)).toBe(true);
    const [att] = (await ctx.db('attachments').where({ message_id: row.id }).select('filename', 'size', 'sha256')) as { filename: string; size: string | number; sha256: string }[];
    expect({ ...att, size: Number(att!.size) }).toEqual({ filename: 'server.log', size: attachment.length, sha256: createHash('sha256').update(attachment).digest('hex') });
    expect(existsSync(files.pathOf(att!.sha256))).toBe(true);
  });
});
