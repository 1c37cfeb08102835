import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView, type TicketView } from '../../src/cli/tickets.js';
import { loadConfig } from '../../src/config.js';
import { openContext, type AppContext } from '../../src/context.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { upsertAgent } from '../../src/store/agents.js';
import { findCsat } from '../../src/store/csat.js';
import { freshDatabase } from '../support/postgres.js';
import { mailStack, rawMail, readMailbox, sendRaw, uniqueAddress, waitFor, waitForMailbox, type FetchedMail } from '../support/mail-client.js';

const AUTHSERV = 'mx.helpdesk.test';

/**
 * The survey round trip on the real stack: a ticket closes, the survey reaches the customer's
 * Dovecot mailbox, the customer answers through the signed mailto address over real SMTP, and the
 * rating lands on the ticket without reopening it; forged, replayed and late ratings are refused.
 */
describe('customer satisfaction by mail', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const customer = uniqueAddress('carol', 'example.test');
  const lead = uniqueAddress('lena', 'example.test');
  const agent = uniqueAddress('bob', 'example.test');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: AppContext;
  let gateway: RunningGateway;
  let seq = 0;
  let survey: FetchedMail;
  let links: Map<number, string>;
  let firstRating: string;

  async function send(from: string, to: string, subject: string, body: string, opts: { headers?: string[]; inReplyTo?: string; messageId?: string } = {}): Promise<string> {
    const id = opts.messageId ?? `csat-${++seq}-${Date.now()}@example.test`;
    const raw = rawMail({ from, to, subject, messageId: id, body, extraHeaders: opts.headers, inReplyTo: opts.inReplyTo });
    await sendRaw(raw, { from, to: [to] });
    return raw;
  }

  async function ticketAfter(predicate: (t: TicketView) => boolean): Promise<TicketView> {
    return waitFor('HD-1 to change', async () => {
      const t = await ticketView(ctx.db, 'HD-1');
      return predicate(t) ? t : undefined;
    });
  }
  const count = (t: TicketView, type: string): number => t.events.filter((e) => e.type === type).length;

  beforeAll(async () => {
    db = await freshDatabase();
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
        DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-csat-')),
      }),
      silentLogger(),
    );
    await upsertAgent(ctx.db, { email: lead, name: 'Lena Lead', role: 'lead', skills: [] });
    await upsertAgent(ctx.db, { email: agent, name: 'Bob Agent', role: 'agent', skills: [] });
    gateway = startGateway(ctx);
  });

  afterAll(async () => {
    await gateway?.stop();
    await ctx?.close();
    await db?.drop();
  });

  it('sends the survey, with one signed mailto link per rating, when an agent closes the ticket', async () => {
    await send(customer, support, 'Cannot print', 'The printer on floor 2 does nothing.');
    await waitForMailbox(customer, (m) => m.length >= 1);
    await send(agent, support, 'Re: [HD-1] Cannot print', '#resolve Queue was paused; the print server now restarts it on boot\n#close', {
      headers: [`Authentication-Results: ${AUTHSERV}; dkim=pass header.d=example.test; dmarc=pass header.from=example.test`],
    });
    const mails = await waitForMailbox(customer, (m) => m.some((x) => /How did we do/.test(x.headers.get('subject') ?? '')));
    survey = mails.find((x) => /How did we do/.test(x.headers.get('subject') ?? ''))!;
    expect(survey.headers.get('subject')).toContain('[HD-1]');
    expect(survey.headers.get('auto-submitted')).toMatch(/^auto-/);
    const parsed = await simpleParser(survey.source);
    links = new Map([...(parsed.text ?? '').matchAll(/mailto:([^?\s]+)\?/g)].map((m) => [Number(/\.csat(\d)\./.exec(m[1]!)![1]), decodeURIComponent(m[1]!)]));
    expect([...links.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(links.get(4)).toMatch(new RegExp(`^${support.split('@')[0]}\\+HD-1\\.csat4\\.[0-9a-f]{20}@helpdesk\\.test$`));
    expect(parsed.html).toContain('mailto:');
    expect((await ticketView(ctx.db, 'HD-1')).status).toBe('closed');
  });

  it('stores a one-click rating with its comment, keeps the ticket closed and thanks the customer', async () => {
    firstRating = await send(customer, links.get(4)!, 'Rating 4 (Good) [HD-1]', 'Anything you would like to add? Write it here (optional):\n\nQuick and friendly.');
    const t = await ticketAfter((x) => count(x, 'csat_rated') === 1);
    expect(t.status).toBe('closed');
    expect(t.events.find((e) => e.type === 'csat_rated')!.data).toMatchObject({ rating: 4, comment: 'Quick and friendly.', via: 'signed link' });
    expect(count(t, 'reopened')).toBe(0);
    const row = await findCsat(ctx.db, (await ctx.db('tickets').where({ ref: 'HD-1' }).first('id')).id);
    expect(row).toMatchObject({ rating: 4, comment: 'Quick and friendly.', rated_by: customer });
    await waitForMailbox(customer, (m) => m.some((x) => /Thank you for your rating/.test(x.headers.get('subject') ?? '')));
  });

  it('refuses a forged rating address: recorded as a decision, not a rating', async () => {
    const forged = links.get(5)!.replace(/\.([0-9a-f]{20})@/, (_m, sig: string) => `.${sig.slice(0, 19)}${sig.endsWith('0') ? '1' : '0'}@`);
    await send(customer, forged, 'Rating 5 [HD-1]', '');
    const t = await ticketAfter((x) => count(x, 'csat_refused') === 1);
    expect(t.events.find((e) => e.type === 'csat_refused')!.data['reason']).toMatch(/signature/);
    expect(t.status).toBe('closed');
    const refused = t.messages.find((m) => m.decisions.some((d) => d.stage === 'csat' && d.verdict === 'refused'));
    expect(refused?.suspicious).toBe(true);
    expect((await ctx.db('csat_ratings').first('rating')).rating).toBe(4);
  });

  it('recognises a replayed rating mail and changes nothing', async () => {
    await sendRaw(firstRating, { from: customer, to: [links.get(4)!] });
    const id = /Message-ID: <([^>]+)>/.exec(firstRating)![1]!;
    await waitFor('the replay to be recorded', async () => (await ctx.db('receipts').where({ message_id: id, outcome: 'duplicate' }).first('id')) ?? undefined);
    expect(count(await ticketView(ctx.db, 'HD-1'), 'csat_rated')).toBe(1);
  });

  it('lets a plain reply to the survey replace the rating within the window; a low one reaches the leads', async () => {
    const surveyId = survey.headers.get('message-id')!.replace(/[<>]/g, '');
    await send(customer, support, 'Re: [HD-1] How did we do? Cannot print', '2\nOn second thought: it took a week.', { inReplyTo: surveyId });
    const t = await ticketAfter((x) => count(x, 'csat_rated') === 2);
    expect(t.status).toBe('closed');
    expect(t.events.filter((e) => e.type === 'csat_rated').at(-1)!.data).toMatchObject({ rating: 2, replaced: 4, via: 'reply to the survey' });
    const toLead = await waitForMailbox(lead, (m) => m.some((x) => /Low satisfaction rating/.test(x.headers.get('subject') ?? '')));
    expect(toLead.find((x) => /Low satisfaction/.test(x.headers.get('subject') ?? ''))!.source).toContain('it took a week');
  });

  it('refuses a rating after the window', async () => {
    await ctx.db('csat_ratings').update({ surveyed_at: new Date(Date.now() - 20 * 86_400_000) });
    const before = (await readMailbox(customer)).length;
    await send(customer, links.get(5)!, 'Rating 5 [HD-1]', '');
    const t = await ticketAfter((x) => count(x, 'csat_refused') === 2);
    expect(t.events.filter((e) => e.type === 'csat_refused').at(-1)!.data['reason']).toMatch(/window closed/);
    expect((await ctx.db('csat_ratings').first('rating')).rating).toBe(2);
    expect(t.status).toBe('closed');
    await new Promise((r) => setTimeout(r, 500));
    expect((await readMailbox(customer)).length).toBe(before);
  });
});
