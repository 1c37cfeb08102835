import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import PQueue from 'p-queue';
import type { SmtpSettings } from '../config.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import type { TrackerSet } from '../tracker/config.js';
import { deliverWebhook, WEBHOOK_KIND, WebhookError } from './webhook.js';
import { claimDueOutbox, markOutboxFailed, markOutboxRetry, markOutboxSent, type OutboxRow } from '../store/outbox.js';

/** Where outgoing mail goes: a pooled SMTP connection, or .eml files in local mode. */
export interface MailTransport {
  send(row: OutboxRow, fromName: string): Promise<void>;
  close(): void;
}

function mailOptions(row: OutboxRow, fromName: string): SendMailOptions {
  const { 'In-Reply-To': inReplyTo, References: references, 'Reply-To': replyTo, ...rest } = row.headers;
  return {
    messageId: `<${row.message_id}>`,
    date: new Date(row.created_at),
    from: { name: row.from_name ?? fromName, address: row.from_address },
    to: row.to_addresses,
    replyTo,
    inReplyTo,
    references,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body ?? undefined,
    headers: rest,
    envelope: { from: row.from_address, to: row.to_addresses },
  };
}

/** The complete message exactly as the sender would build it (`deskmail templates preview --eml`). */
export async function composeEml(row: OutboxRow, fromName: string): Promise<Buffer> {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = (await transporter.sendMail(mailOptions(row, fromName))) as { message: Buffer };
  return info.message;
}

/** How deskmail reaches SMTP_URL: the sender's pool and doctor's check connect alike. */
export function smtpConnection(smtp: SmtpSettings, socketTimeoutMs: number): SMTPTransport.Options {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: socketTimeoutMs,
  };
}

export function smtpTransport(smtp: SmtpSettings): MailTransport {
  const transporter: Transporter = nodemailer.createTransport({ pool: true, maxConnections: 4, ...smtpConnection(smtp, 30_000) });
  return {
    async send(row, fromName) {
      await transporter.sendMail(mailOptions(row, fromName));
    },
    close() {
      transporter.close();
    },
  };
}

/** Local mode: each mail becomes DIR/<message-id>.eml, written atomically (temp file, then rename). */
export function folderTransport(dir: string): MailTransport {
  mkdirSync(dir, { recursive: true });
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(row, fromName) {
      const info = (await transporter.sendMail(mailOptions(row, fromName))) as { message: Buffer };
      const name = row.message_id.replace(/[^A-Za-z0-9._-]/g, '_');
      const tmp = join(dir, `.${name}.tmp`);
      writeFileSync(tmp, info.message);
      renameSync(tmp, join(dir, `${name}.eml`));
    },
    close() {
      transporter.close();
    },
  };
}

/** 5xx answers and malformed addresses will not get better by trying again. */
export function isPermanentSendError(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e.responseCode === 'number') return e.responseCode >= 500;
  return e.code === 'EENVELOPE' && e.responseCode === undefined && /recipient|address/i.test(String((err as Error).message));
}

export const MAX_SEND_ATTEMPTS = 12;

/** Backoff: 10 s, 20 s, 40 s … capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 10 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The sender loop: claims due outbox rows, sends them concurrently, records the outcome.
 * `poke()` wakes it at once (after an ingest commit) so acknowledgments leave without waiting.
 */
export class OutboxSender {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly queue = new PQueue({ concurrency: 4 });
  private idleResolvers: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly transport: MailTransport,
    private readonly log: Logger,
    private readonly opts: { fromName: string; intervalMs?: number; batch?: number; leaseSeconds?: number; onSendFailure?: (kind: 'retry' | 'permanent') => void; trackers?: TrackerSet | undefined },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  poke(): void {
    if (!this.stopped) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      for (;;) {
        this.again = false;
        const sent = await this.drainOnce();
        if (this.stopped || (sent === 0 && !this.again)) break;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'outbox: claiming mail failed; will retry');
    } finally {
      this.running = false;
      for (const resolve of this.idleResolvers.splice(0)) resolve();
      if (!this.stopped) this.schedule(this.opts.intervalMs ?? 1000);
    }
  }

  /** Claims and sends one batch; returns how many rows it handled. */
  async drainOnce(): Promise<number> {
    const rows = await claimDueOutbox(this.db, this.opts.batch ?? 50, this.opts.leaseSeconds ?? 120);
    await Promise.all(rows.map((row) => this.queue.add(() => this.sendOne(row))));
    return rows.length;
  }

  private async sendOne(row: OutboxRow): Promise<void> {
    try {
      // Webhook rows (bug reports to a tracker) share the outbox's claim, retry and backoff.
      if (row.kind === WEBHOOK_KIND) await deliverWebhook(this.db, this.opts.trackers, row);
      else await this.transport.send(row, this.opts.fromName);
      await this.recordSent(row.id);
      this.log.info({ outbox: row.id, kind: row.kind, to: row.to_addresses, messageId: row.message_id }, 'mail sent');
    } catch (err) {
      const message = (err as Error).message.split('\n')[0] ?? String(err);
      if ((err instanceof WebhookError ? err.permanent : isPermanentSendError(err)) || row.attempts >= MAX_SEND_ATTEMPTS) {
        this.opts.onSendFailure?.('permanent');
        await markOutboxFailed(this.db, row.id, message);
        this.log.error({ outbox: row.id, kind: row.kind, to: row.to_addresses, error: message }, 'mail given up');
      } else {
        this.opts.onSendFailure?.('retry');
        const delay = retryDelaySeconds(row.attempts);
        await markOutboxRetry(this.db, row.id, message, delay);
        this.log.warn({ outbox: row.id, kind: row.kind, error: message, retryIn: delay }, 'mail send failed; will retry');
      }
    }
  }

  /**
   * The mail is out; if the database blinks now (a restart), keep trying to record it for a while
   * rather than let the lease expire and send it a second time.
   */
  private async recordSent(id: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await markOutboxSent(this.db, id);
        return;
      } catch (err) {
        if (attempt >= 30 || this.stopped) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Resolves once the loop has finished its current pass (tests and one-shot commands). */
  async settle(): Promise<void> {
    if (!this.running) await this.tick();
    else await new Promise<void>((resolve) => this.idleResolvers.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running) await new Promise<void>((resolve) => this.idleResolvers.push(resolve));
    await this.queue.onIdle();
    this.transport.close();
  }
}
