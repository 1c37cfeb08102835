import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ticketView, type TicketView } from '../../src/cli/tickets.js';
import { loadConfig } from '../../src/config.js';
import { openContext, type AppContext } from '../../src/context.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { upsertAgent } from '../../src/store/agents.js';
import { freshDatabase } from './postgres.js';
import { mailStack, rawMail, sendRaw, uniqueAddress, waitFor } from './mail-client.js';

/**
 * One helpdesk on the real stack for an end-to-end test: a fresh PostgreSQL database, the gateway
 * reading its own Dovecot mailbox over IMAP and sending through OpenSMTPD, and the agents given.
 */

/** The authserv-id the tests' "receiving MTA" signs Authentication-Results with (TRUSTED_AUTHSERV_ID). */
export const AUTHSERV = 'mx.helpdesk.test';

/** The header the trusted MTA adds to mail from `domain` that passes DKIM and DMARC. */
export function dmarcPass(domain = 'example.test'): string {
  return `Authentication-Results: ${AUTHSERV}; dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}`;
}

export interface E2eAgent {
  email: string;
  name: string;
  role: 'agent' | 'lead' | 'admin';
}

export interface E2eDesk {
  /** The helpdesk address customers write to. */
  support: string;
  ctx: AppContext;
  gateway: RunningGateway;
  /** Sends one mail through the SMTP server; returns its raw text (to replay it). */
  mail(from: string, to: string, subject: string, body: string, opts?: { headers?: string[]; inReplyTo?: string; messageId?: string }): Promise<string>;
  /** Waits until the ticket exists and `predicate` holds for it. */
  ticketAfter(ref: string, predicate?: (t: TicketView) => boolean): Promise<TicketView>;
  stop(): Promise<void>;
}

/**
 * Starts a helpdesk named `name` (in its addresses, Message-IDs and temp folder). `env` adds to or
 * overrides the configuration; `dataDir` is for a test that puts files there first; `support` for
 * one that filled the mailbox first; `beforeStart` runs on the open context before the gateway starts.
 */
export async function startDesk(
  name: string,
  opts: { agents?: E2eAgent[]; env?: Record<string, string>; dataDir?: string; support?: string; beforeStart?: (ctx: AppContext) => Promise<void> } = {},
): Promise<E2eDesk> {
  const support = opts.support ?? uniqueAddress('support', 'helpdesk.test');
  const db = await freshDatabase();
  let ctx: AppContext | undefined;
  try {
    const s = mailStack();
    ctx = await openContext(
      loadConfig({
        DATABASE_URL: db.url,
        IMAP_URL: s.imapUrl(support),
        SMTP_URL: s.smtpUrl(),
        HELPDESK_ADDRESS: support,
        HELPDESK_NAME: 'Acme Support',
        TRUSTED_AUTHSERV_ID: AUTHSERV,
        POLL_INTERVAL: '5',
        DESKMAIL_DATA_DIR: opts.dataDir ?? mkdtempSync(join(tmpdir(), `deskmail-${name}-`)),
        ...opts.env,
      }),
      silentLogger(),
    );
    for (const a of opts.agents ?? []) await upsertAgent(ctx.db, { ...a, skills: [] });
    await opts.beforeStart?.(ctx);
  } catch (err) {
    await ctx?.close();
    await db.drop();
    throw err;
  }
  const open = ctx;
  const gateway = startGateway(open);
  let seq = 0;
  return {
    support,
    ctx: open,
    gateway,
    async mail(from, to, subject, body, o = {}) {
      const messageId = o.messageId ?? `${name}-${++seq}-${Date.now()}@example.test`;
      const raw = rawMail({ from, to, subject, messageId, body, extraHeaders: o.headers, inReplyTo: o.inReplyTo });
      await sendRaw(raw, { from, to: [to] });
      return raw;
    },
    ticketAfter: (ref, predicate = () => true) =>
      waitFor(`${ref} to change`, async () => {
        const t = await ticketView(open.db, ref).catch(() => undefined);
        return t && predicate(t) ? t : undefined;
      }),
    async stop() {
      await gateway.stop();
      await open.close();
      await db.drop();
    },
  };
}
