import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { OutboxSender, smtpTransport } from '../../src/outbox/send.js';
import { closeDb, migrate, openDb, type Db } from '../../src/store/db.js';
import { insertOutbox, listOutbox } from '../../src/store/outbox.js';
import { mailStack, uniqueAddress, waitForMailbox } from '../support/mail-client.js';
import { freshDatabase } from '../support/postgres.js';

/** The outbox sender against a real SMTP server: nothing is lost while the server is away. */
describe('outbox sender', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Db;

  beforeAll(async () => {
    database = await freshDatabase();
    db = openDb({ databaseUrl: database.url, embeddedDir: undefined });
    await migrate(db);
  });
  afterAll(async () => {
    await closeDb(db);
    await database.drop();
  });

  async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  }

  it('keeps a mail pending with the reason while SMTP is unreachable, then delivers it exactly once', async () => {
    const to = uniqueAddress('frank', 'example.test');
    const id = await insertOutbox(db, {
      ticketId: undefined,
      kind: 'received',
      messageId: `outbox-test-${Date.now()}@helpdesk.test`,
      fromAddress: 'support@helpdesk.test',
      to: [to],
      subject: '[HD-9] Retry me',
      text: 'hello\n',
      html: undefined,
      headers: { 'Auto-Submitted': 'auto-replied' },
    });

    const down = new OutboxSender(db, smtpTransport({ secure: false, host: '127.0.0.1', port: await freePort(), user: undefined, pass: undefined }), silentLogger(), { fromName: 'Support' });
    expect(await down.drainOnce()).toBe(1);
    await down.stop();
    let [row] = await listOutbox(db);
    expect(row!.id).toBe(id);
    expect(row!.status).toBe('pending');
    expect(row!.attempts).toBe(1);
    expect(row!.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(new Date(row!.next_attempt_at).getTime()).toBeGreaterThan(Date.now());

    // The server is back; the retry is due (we pull its time forward instead of waiting 10 s).
    await db('outbox').update({ next_attempt_at: db.fn.now() });
    const s = mailStack();
    const up = new OutboxSender(db, smtpTransport({ secure: false, host: '127.0.0.1', port: s.smtpPort, user: undefined, pass: undefined }), silentLogger(), { fromName: 'Support' });
    expect(await up.drainOnce()).toBe(1);
    expect(await up.drainOnce()).toBe(0); // sent rows are never claimed again
    await up.stop();
    [row] = await listOutbox(db);
    expect(row!.status).toBe('sent');
    const mails = await waitForMailbox(to, (m) => m.length >= 1);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.headers.get('subject')).toBe('[HD-9] Retry me');
  });

  it('gives up on a permanent rejection and records why', async () => {
    await db('outbox').del();
    await insertOutbox(db, {
      ticketId: undefined,
      kind: 'received',
      messageId: `outbox-perm-${Date.now()}@helpdesk.test`,
      fromAddress: 'support@helpdesk.test',
      to: ['nobody@unknown-domain.invalid'], // the test MTA relays nothing outside its domains
      subject: '[HD-9] Nowhere',
      text: 'hello\n',
      html: undefined,
      headers: {},
    });
    const s = mailStack();
    const sender = new OutboxSender(db, smtpTransport({ secure: false, host: '127.0.0.1', port: s.smtpPort, user: undefined, pass: undefined }), silentLogger(), { fromName: 'Support' });
    await sender.drainOnce();
    await sender.stop();
    const [row] = await listOutbox(db);
    expect(row!.status).toBe('failed');
    expect(row!.last_error).toMatch(/5\d\d|reject|Relay|denied/i);
  });
});
