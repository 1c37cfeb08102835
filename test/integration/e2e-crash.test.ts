import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../support/cli.js';
import { mailStack, rawMail, readMailbox, sendRaw, uniqueAddress, waitForMailbox } from '../support/mail-client.js';
import { freshDatabase } from '../support/postgres.js';
import { openDb, closeDb, type Db } from '../../src/store/db.js';

/**
 * A gateway killed after its commit but before it flagged the mail in IMAP must not create the
 * ticket again when it comes back: the record of its UID committed with the ticket says so.
 */
describe('a gateway killed between storing and flagging', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const customer = uniqueAddress('dave', 'example.test');
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Db;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await freshDatabase();
    db = openDb({ databaseUrl: database.url, embeddedDir: undefined });
    const s = mailStack();
    env = {
      DATABASE_URL: database.url,
      IMAP_URL: s.imapUrl(support),
      SMTP_URL: s.smtpUrl(),
      HELPDESK_ADDRESS: support,
      POLL_INTERVAL: '2',
      DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-crash-')),
    };
  });

  afterAll(async () => {
    await closeDb(db);
    await database.drop();
  });

  it('does not duplicate the ticket or the acknowledgment when restarted', async () => {
    const faulty = startDaemon({ ...env, DESKMAIL_FAULT: 'exit-after-commit' });
    await sendRaw(rawMail({ from: customer, to: support, subject: 'Crash me', messageId: 'dave-1@example.test', body: 'Hello' }), { from: customer, to: [support] });
    const code = await Promise.race([faulty.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    if (code === 'timeout') faulty.child.kill('SIGKILL');
    expect(code, faulty.output()).toBe(99);

    // Stored, but the mail in the shared mailbox was never flagged.
    expect(await db('tickets').count<{ count: string }[]>('id as count')).toEqual([{ count: '1' }]);
    const inbox = await readMailbox(support);
    expect(inbox.map((m) => m.seen)).toEqual([false]);

    const healthy = startDaemon(env);
    try {
      // The restart flags the mail it had already stored, and sends the pending acknowledgment once.
      await waitForMailbox(support, (m) => m.length === 1 && m[0]!.seen, 30_000);
      const acks = await waitForMailbox(customer, (m) => m.length >= 1, 30_000);
      await new Promise((r) => setTimeout(r, 2500));
      expect((await readMailbox(customer)).length).toBe(1);
      expect(acks[0]!.headers.get('subject')).toBe('[HD-1] Crash me');
      expect(await db('tickets').count<{ count: string }[]>('id as count')).toEqual([{ count: '1' }]);
      expect(await db('messages').where({ direction: 'in' }).count<{ count: string }[]>('id as count')).toEqual([{ count: '1' }]);
    } finally {
      healthy.child.kill('SIGTERM');
      expect(await healthy.exited).toBe(0);
    }
  });
});
