import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView, type TicketView } from '../../src/cli/tickets.js';
import type { AppContext } from '../../src/context.js';
import { csatAddress } from '../../src/mail/csat.js';
import { findCsat } from '../../src/store/csat.js';
import { dmarcPass, startDesk, type E2eDesk } from '../support/e2e.js';
import { readMailbox, sendRaw, uniqueAddress, waitFor, waitForMailbox, type FetchedMail } from '../support/mail-client.js';

/**
 * The survey round trip on the real stack: a ticket closes, the survey reaches the customer's
 * Dovecot mailbox, the customer answers through the signed mailto address over real SMTP, and the
 * rating lands on the ticket without reopening it; forged, replayed and late ratings are refused.
 */
describe('customer satisfaction by mail', () => {
  let support: string;
  const customer = uniqueAddress('carol', 'example.test');
  const lead = uniqueAddress('lena', 'example.test');
  const agent = uniqueAddress('bob', 'example.test');
  let desk: E2eDesk;
  let ctx: AppContext;
  let survey: FetchedMail;
  let links: Map<number, string>;
  let firstRating: string;

  const send: E2eDesk['mail'] = (...args) => desk.mail(...args);
  const ticketAfter = (predicate: (t: TicketView) => boolean): Promise<TicketView> => desk.ticketAfter('HD-1', predicate);
  const count = (t: TicketView, type: string): number => t.events.filter((e) => e.type === type).length;

  beforeAll(async () => {
    desk = await startDesk('csat', { agents: [{ email: lead, name: 'Lena Lead', role: 'lead' }, { email: agent, name: 'Bob Agent', role: 'agent' }] });
    ({ support, ctx } = desk);
  });

  afterAll(async () => {
    await desk?.stop();
  });

  it('sends the survey, with one signed mailto link per rating, when an agent closes the ticket', async () => {
    await send(customer, support, 'Cannot print', 'The printer on floor 2 does nothing.');
    await waitForMailbox(customer, (m) => m.length >= 1);
    await send(agent, support, 'Re: [HD-1] Cannot print', '#resolve Queue was paused; the print server now restarts it on boot\n#close', {
      headers: [dmarcPass()],
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

  it('drops a rating link for a ticket that does not exist, with the reason: no ticket, no acknowledgment', async () => {
    const before = (await readMailbox(customer)).length;
    const stale = csatAddress(support, ctx.secret, 'HD-99', 5);
    const raw = await send(customer, stale, 'Rating 5 (Great) [HD-99]', 'Anything you would like to add? Write it here (optional):\n\nThanks!');
    const id = /Message-ID: <([^>]+)>/.exec(raw)![1]!;
    const receipt = await waitFor('the rating to be dropped', async () => (await ctx.db('receipts').where({ message_id: id }).first('outcome', 'reason')) as { outcome: string; reason: string } | undefined);
    expect(receipt).toEqual({ outcome: 'dropped', reason: 'a rating (survey link signed by us) for HD-99, which does not exist: dropped, no ticket opened' });
    expect(Number((await ctx.db('tickets').count('id as count').first())!['count'])).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect((await readMailbox(customer)).length).toBe(before);
  });

  it('refuses, on the ticket it threads to, a rating link signed for another ticket', async () => {
    await send(customer, csatAddress(support, ctx.secret, 'HD-99', 5), 'Rating 5 [HD-1]', '');
    const t = await ticketAfter((x) => count(x, 'csat_refused') === 3);
    expect(t.events.filter((e) => e.type === 'csat_refused').at(-1)!.data['reason']).toMatch(/signature/);
    expect(t.status).toBe('closed');
    expect((await ctx.db('csat_ratings').first('rating')).rating).toBe(2);
  });
});
