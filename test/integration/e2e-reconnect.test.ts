import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openContext, type AppContext } from '../../src/context.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { listTickets } from '../../src/store/tickets.js';
import { startMailStack, type MailStack } from '../support/mailstack.js';
import { rawMail, waitFor } from '../support/mail-client.js';
import { freshDatabase } from '../support/postgres.js';

/** Dovecot restarting under a running gateway: it reconnects and carries on. Own stack, so the restart disturbs no other test. */
describe('the gateway when the IMAP server restarts', () => {
  let stack: MailStack;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: AppContext;
  let gateway: RunningGateway;
  const support = 'support@helpdesk.test';
  const customer = 'erin@example.test';

  beforeAll(async () => {
    stack = await startMailStack();
    db = await freshDatabase();
    ctx = await openContext(
      loadConfig({ DATABASE_URL: db.url, IMAP_URL: stack.imapUrl(support), SMTP_URL: stack.smtpUrl(), HELPDESK_ADDRESS: support, POLL_INTERVAL: '2', DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-rc-')) }),
      silentLogger(),
    );
    gateway = startGateway(ctx);
  });

  afterAll(async () => {
    await gateway?.stop();
    await ctx?.close();
    await db?.drop();
    await stack?.stop();
  });

  async function send(subject: string, id: string): Promise<void> {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false, ignoreTLS: true });
    await t.sendMail({ envelope: { from: customer, to: [support] }, raw: rawMail({ from: customer, to: support, subject, messageId: id, body: 'hi' }).replace(/\n/g, '\r\n') });
    t.close();
  }

  async function acksFor(user: string): Promise<number> {
    const c = new ImapFlow({ host: '127.0.0.1', port: stack.imapPort, secure: false, auth: { user, pass: stack.password }, logger: false });
    try {
      await c.connect();
      const status = await c.status('INBOX', { messages: true });
      return status ? (status.messages ?? 0) : 0;
    } catch {
      return 0;
    } finally {
      await c.logout().catch(() => undefined);
    }
  }

  it('reconnects and turns the next mail into a ticket', async () => {
    await send('Before the restart', 'erin-1@example.test');
    await waitFor('first ticket', async () => ((await listTickets(ctx.db)).length === 1 ? true : undefined));
    await stack.restartDovecot();
    await send('After the restart', 'erin-2@example.test');
    await waitFor('second ticket', async () => ((await listTickets(ctx.db)).length === 2 ? true : undefined), 45_000);
    await waitFor('both acknowledgments delivered', async () => ((await acksFor(customer)) === 2 ? true : undefined), 45_000);
    expect((await listTickets(ctx.db)).map((t) => t.subject)).toEqual(['Before the restart', 'After the restart']);
  });
});
