import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView, type TicketView } from '../../src/cli/tickets.js';
import { AUTHSERV, startDesk, type E2eDesk } from '../support/e2e.js';
import { readMailbox, uniqueAddress, waitForMailbox, type FetchedMail } from '../support/mail-client.js';

/**
 * Agents run tickets from their own mail client, on the real stack: commands by mail, replies to
 * the customer, the customer reopening, and forged agent mail refused.
 */
describe('agents commanding tickets by mail', () => {
  let support: string;
  const customer = uniqueAddress('gina', 'example.test');
  const lead = uniqueAddress('lena', 'example.test');
  const agent = uniqueAddress('bob', 'example.test');
  let desk: E2eDesk;

  /** The receiving MTA vouches for agents' mail with DMARC pass (what Authentication-Results looks like in production). */
  const authenticated = (domain: string): string[] => [`Authentication-Results: ${AUTHSERV}; dkim=pass header.d=${domain}; dmarc=pass (p=reject) header.from=${domain}`];

  async function mailFrom(from: string, subject: string, body: string, opts: { to?: string; headers?: string[] } = {}): Promise<void> {
    await desk.mail(from, opts.to ?? support, subject, body, { headers: opts.headers });
  }
  const ticketAfter = (ref: string, predicate: (t: TicketView) => boolean): Promise<TicketView> => desk.ticketAfter(ref, predicate);

  const subjects = (mails: FetchedMail[]): string[] => mails.map((m) => m.headers.get('subject') ?? '');

  beforeAll(async () => {
    desk = await startDesk('agents', { agents: [{ email: lead, name: 'Lena Lead', role: 'lead' }, { email: agent, name: 'Bob Agent', role: 'agent' }] });
    support = desk.support;
  });

  afterAll(async () => {
    await desk?.stop();
  });

  it('announces a new ticket to the leads for triage', async () => {
    await mailFrom(`Gina <${customer}>`, 'Toner empty', 'The printer says toner empty but it is new.');
    const mails = await waitForMailbox(lead, (m) => m.length >= 1);
    expect(subjects(mails)[0]).toContain('[HD-1]');
    expect(mails[0]!.source).toContain('The printer says toner empty');
    // The lead's reply address is signed for the lead and this ticket.
    expect(mails[0]!.headers.get('reply-to')).toMatch(new RegExp(`${support.split('@')[0]}\\+HD-1\\.[0-9a-f]{20}@helpdesk\\.test`));
  });

  it('lets an authenticated agent assign, set priority and answer the customer in one mail', async () => {
    await mailFrom(agent, 'Re: [HD-1] Toner empty', '#assign me\n#priority high\nHello Gina, please pull the toner out and push it back in firmly.', { headers: authenticated('example.test') });
    const t = await ticketAfter('HD-1', (x) => x.assignee === agent);
    expect(t.status).toBe('assigned');
    expect(t.priority).toBe('P2');
    expect(t.events.map((e) => e.type)).toEqual(expect.arrayContaining(['assigned', 'priority_changed', 'replied']));

    const toCustomer = await waitForMailbox(customer, (m) => m.length >= 2);
    const reply = toCustomer.find((m) => m.source.includes('push it back in firmly'))!;
    expect(reply).toBeDefined();
    expect(reply.headers.get('subject')).toContain('[HD-1]');
    expect(reply.headers.get('from')).toContain('Bob Agent');
    expect(reply.source).not.toMatch(/#assign|#priority/);
    expect(reply.headers.get('auto-submitted')).toBeUndefined(); // a person wrote it

    const results = await waitForMailbox(agent, (m) => m.length >= 1);
    expect(results.map((m) => m.source).join('\n')).toMatch(/assigned to Bob Agent/);
  });

  it('refuses all commands of a mail when one line fails, and sends nothing to the customer', async () => {
    const before = (await readMailbox(customer)).length;
    await mailFrom(agent, 'Re: [HD-1] Toner empty', '#priority low\n#resolve\nThis should not reach the customer.', { headers: authenticated('example.test') });
    const mails = await waitForMailbox(agent, (m) => m.some((x) => x.source.includes('needs a note')));
    expect(mails.length).toBeGreaterThanOrEqual(2);
    const t = await ticketView(desk.ctx.db, 'HD-1');
    expect(t.priority).toBe('P2');
    expect(t.events.map((e) => e.type)).toContain('commands_refused');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await readMailbox(customer)).length).toBe(before);
  });

  it('resolves with a prevention note; the customer reply reopens it and tells the assignee', async () => {
    await mailFrom(agent, 'Re: [HD-1] Toner empty', '#resolve Reseated the toner; added a note to the printer FAQ', { headers: authenticated('example.test') });
    let t = await ticketAfter('HD-1', (x) => x.status === 'resolved');
    expect(t.events.find((e) => e.type === 'resolved')!.data).toEqual({ note: 'Reseated the toner; added a note to the printer FAQ' });
    await waitForMailbox(customer, (m) => m.some((x) => /resolved/i.test(x.headers.get('subject') ?? '') || x.source.includes('Reseated the toner')));

    const agentMailsBefore = (await readMailbox(agent)).length;
    await mailFrom(customer, 'Re: [HD-1] Toner empty', 'Sorry, it still says toner empty.');
    t = await ticketAfter('HD-1', (x) => x.status === 'assigned');
    expect(t.events.find((e) => e.type === 'reopened')).toMatchObject({ actor: customer, data: { by: 'customer', from: 'resolved' } });
    const toAgent = await waitForMailbox(agent, (m) => m.length > agentMailsBefore);
    expect(toAgent.at(-1)!.decoded).toContain('it still says toner empty');
  });

  it('takes commands from the signed reply address without DMARC', async () => {
    const notification = (await readMailbox(agent)).at(-1)!;
    const signed = notification.headers.get('reply-to')!.replace(/^.*</, '').replace(/>.*$/, '');
    await mailFrom(agent, 'Re: [HD-1] Toner empty', '#start\nChecking the printer in person now.', { to: signed });
    const t = await ticketAfter('HD-1', (x) => x.status === 'in_progress');
    expect(t.messages.at(-1)!.direction).toBe('out');
  });

  it('refuses forged agent mail, stores it as suspicious and tells the real agent', async () => {
    const before = (await readMailbox(agent)).length;
    await mailFrom(agent, 'Re: [HD-1] Toner empty', '#close\nClosing this.', { headers: [`Authentication-Results: ${AUTHSERV}; dmarc=fail header.from=example.test`] });
    const warned = await waitForMailbox(agent, (m) => m.length > before);
    expect(warned.at(-1)!.source).toMatch(/could not be authenticated|not authenticated|forged/i);
    const t = await ticketView(desk.ctx.db, 'HD-1');
    expect(t.status).toBe('in_progress');
    expect(t.events.map((e) => e.type)).toContain('forged_agent_mail');
  });

  it('treats a customer\'s #close as plain text', async () => {
    await mailFrom(customer, 'Re: [HD-1] Toner empty', '#close\nI would like this closed please.');
    const t = await ticketAfter('HD-1', (x) => x.messages.some((m) => m.body.includes('I would like this closed')));
    expect(t.status).toBe('in_progress');
    expect(t.messages.find((m) => m.body.includes('I would like this closed'))!.body).toContain('#close');
  });
});
