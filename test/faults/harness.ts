import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import pg from 'pg';
import type { MailStack } from '../support/mailstack.js';
import { rawMail } from '../support/mail-client.js';

/** Helpers for the fault suite: a backlog of customer mail, and an audit of what became of it. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Backlog {
  support: string;
  /** One entry per inbound mail: its customer and Message-ID. */
  mails: { customer: string; messageId: string; subject: string }[];
  customers: string[];
}

/** n mails from n/8 customers (the brakes allow 30 automatic mails per recipient in 10 minutes). */
export function makeBacklog(n: number): Backlog {
  const tag = randomBytes(3).toString('hex');
  const support = `support-${tag}@helpdesk.test`;
  const customers = Array.from({ length: Math.ceil(n / 8) }, (_, i) => `c${i}-${tag}@example.test`);
  const mails = Array.from({ length: n }, (_, i) => ({ customer: customers[i % customers.length]!, messageId: `fault-${i}-${tag}@example.test`, subject: `Backlog item ${i} of ${tag}` }));
  return { support, mails, customers };
}

export async function sendMails(stack: MailStack, backlog: Backlog, which: Backlog['mails']): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false, ignoreTLS: true, pool: true });
  try {
    for (const m of which) {
      await t.sendMail({ envelope: { from: m.customer, to: [backlog.support] }, raw: rawMail({ from: m.customer, to: backlog.support, subject: m.subject, messageId: m.messageId, body: `Please help with ${m.subject}.` }).replace(/\n/g, '\r\n') });
    }
  } finally {
    t.close();
  }
}

/** Message-IDs of the mail in a user's INBOX (one entry per copy). */
export async function messageIdsIn(stack: MailStack, user: string): Promise<string[]> {
  const c = new ImapFlow({ host: '127.0.0.1', port: stack.imapPort, secure: false, auth: { user, pass: stack.password }, logger: false });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const lock = await c.getMailboxLock('INBOX');
    try {
      const ids: string[] = [];
      for await (const msg of c.fetch('1:*', { envelope: true })) ids.push(msg.envelope?.messageId ?? '(none)');
      return ids;
    } finally {
      lock.release();
    }
  } catch {
    return [];
  } finally {
    await c.logout().catch(() => undefined);
  }
}

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(300);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

export interface Audit {
  scenario: string;
  inbound: number;
  stored: number;
  storedDistinct: number;
  tickets: number;
  sent: number;
  duplicates: number;
  lost: number;
}

async function count(db: pg.Client, sql: string): Promise<number> {
  return Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
}

/** What the database holds and what the customers received, counted by Message-ID. */
export async function audit(scenario: string, stack: MailStack, databaseUrl: string, backlog: Backlog): Promise<Audit> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const stored = await count(db, `SELECT count(*) AS n FROM messages WHERE direction = 'in'`);
    const storedDistinct = await count(db, `SELECT count(DISTINCT message_id) AS n FROM messages WHERE direction = 'in'`);
    const tickets = await count(db, `SELECT count(*) AS n FROM tickets`);
    const received = (await Promise.all(backlog.customers.map((c) => messageIdsIn(stack, c)))).flat();
    const distinct = new Set(received);
    return { scenario, inbound: backlog.mails.length, stored, storedDistinct, tickets, sent: received.length, duplicates: received.length - distinct.size, lost: backlog.mails.length - distinct.size };
  } finally {
    await db.end();
  }
}

export async function storedCount(databaseUrl: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await count(db, `SELECT count(*) AS n FROM messages WHERE direction = 'in'`);
  } catch (err) {
    // A gateway killed before its first migration leaves no tables yet.
    if ((err as { code?: string }).code === '42P01') return 0;
    throw err;
  } finally {
    await db.end();
  }
}

export async function ackCount(stack: MailStack, backlog: Backlog): Promise<number> {
  return new Set((await Promise.all(backlog.customers.map((c) => messageIdsIn(stack, c)))).flat()).size;
}

export function gatewayEnv(stack: MailStack, databaseUrl: string, backlog: Backlog, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    IMAP_URL: stack.imapUrl(backlog.support),
    SMTP_URL: stack.smtpUrl(),
    HELPDESK_ADDRESS: backlog.support,
    POLL_INTERVAL: '1',
    // A killed sender's claimed mail is retaken after 3 s instead of 2 min.
    OUTBOX_LEASE_SECONDS: '3',
    DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-faults-')),
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** A TCP relay in front of the SMTP server: close() makes it refuse connections, like a stopped server. */
export class SmtpSwitch {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
