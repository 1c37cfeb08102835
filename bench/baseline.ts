/**
 * The raw baseline: what the same hardware does with no business logic. Stream-FETCH the backlog
 * (imapflow), parse each message (mailparser's simpleParser), one transaction per message that
 * inserts it and an outbox row, and a pooled nodemailer send that marks the row sent — the same
 * shape as the gateway (ingest in order, sending concurrently behind it), minus everything else.
 */
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import PQueue from 'p-queue';
import pg from 'pg';
import { connect, type ImapAccount } from './mailbox.js';

export interface BaselineResult {
  messages: number;
  sent: number;
  seconds: number;
  msgsPerSecond: number;
}

const SCHEMA = `
  CREATE TABLE messages (id bigserial PRIMARY KEY, message_id text UNIQUE, from_address text, subject text, body text, raw bytea, created_at timestamptz DEFAULT now());
  CREATE TABLE outbox (id bigserial PRIMARY KEY, message_id text, to_address text, subject text, body text, status text DEFAULT 'pending', sent_at timestamptz);
`;

export async function runBaseline(opts: { account: ImapAccount; databaseUrl: string; smtp: { host: string; port: number }; sink: string; expected: number }): Promise<BaselineResult> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 6 });
  await pool.query(SCHEMA);
  const transport = nodemailer.createTransport({ pool: true, maxConnections: 4, host: opts.smtp.host, port: opts.smtp.port, secure: false, ignoreTLS: true });
  const sending = new PQueue({ concurrency: 4 });
  const client = await connect(opts.account);
  let messages = 0;
  let sent = 0;
  const failures: Error[] = [];
  try {
    await client.mailboxOpen('INBOX', { readOnly: true });
    const started = Date.now();
    for await (const msg of client.fetch('1:*', { uid: true, source: true })) {
      if (!msg.source) continue;
      const mail = await simpleParser(msg.source);
      const db = await pool.connect();
      let outboxId: number;
      const subject = `Re: ${mail.subject ?? ''}`;
      try {
        await db.query('BEGIN');
        await db.query('INSERT INTO messages (message_id, from_address, subject, body, raw) VALUES ($1, $2, $3, $4, $5)', [mail.messageId ?? `uid-${msg.uid}`, mail.from?.value[0]?.address ?? '', mail.subject ?? '', mail.text ?? '', msg.source]);
        const row = await db.query<{ id: string }>('INSERT INTO outbox (message_id, to_address, subject, body) VALUES ($1, $2, $3, $4) RETURNING id', [mail.messageId ?? '', opts.sink, subject, 'We received your message.']);
        await db.query('COMMIT');
        outboxId = Number(row.rows[0]!.id);
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        db.release();
      }
      messages++;
      void sending.add(async () => {
        await transport.sendMail({ from: 'support@helpdesk.test', to: opts.sink, subject, text: 'We received your message.', inReplyTo: mail.messageId, envelope: { from: 'support@helpdesk.test', to: [opts.sink] } });
        await pool.query("UPDATE outbox SET status = 'sent', sent_at = now() WHERE id = $1", [outboxId]);
        sent++;
      }).catch((err: Error) => failures.push(err));
    }
    await sending.onIdle();
    if (failures.length > 0) throw new Error(`baseline: ${failures.length} send(s) failed, first: ${failures[0]!.message}`);
    const seconds = (Date.now() - started) / 1000;
    if (messages !== opts.expected) throw new Error(`baseline: fetched ${messages} of ${opts.expected} messages`);
    return { messages, sent, seconds, msgsPerSecond: messages / seconds };
  } finally {
    await client.logout().catch(() => undefined);
    transport.close();
    await pool.end();
  }
}
