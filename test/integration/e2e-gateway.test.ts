import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../bench/mailbox.js';
import { ticketView } from '../../src/cli/tickets.js';
import type { AppContext } from '../../src/context.js';
import { listTickets } from '../../src/store/tickets.js';
import { startDesk, type E2eDesk } from '../support/e2e.js';
import { mailStack, rawMail, readMailbox, sendRaw, uniqueAddress, waitFor, waitForMailbox } from '../support/mail-client.js';

/**
 * The gateway end to end on real parts: a customer writes over real SMTP (OpenSMTPD), the mail
 * lands in Dovecot, the gateway reads it over IMAP, stores the ticket in real PostgreSQL and its
 * acknowledgment goes out over SMTP into the customer's own IMAP mailbox.
 */
describe('gateway on the real mail stack', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const customer = uniqueAddress('carol', 'example.test');
  let desk: E2eDesk | undefined;
  let ctx: AppContext;

  beforeAll(async () => {
    desk = await startDesk('e2e', { support, env: { HELPDESK_NAME: 'Example Support' } });
    ctx = desk.ctx;
  });

  afterAll(async () => {
    await desk?.stop();
  });

  const ticketCount = async (): Promise<number> => (await listTickets(ctx.db)).length;

  it('turns a customer mail into ticket HD-1 and acknowledges it with threading headers', async () => {
    await sendRaw(
      rawMail({ from: `Carol Customer <${customer}>`, to: support, subject: 'Printer on fire', messageId: 'carol-1@example.test', body: 'The printer in room 4 is on fire.\nPlease help.' }),
      { from: customer, to: [support] },
    );
    const [ack] = await waitForMailbox(customer, (m) => m.length >= 1);
    const ticket = await ticketView(ctx.db, 'HD-1');
    expect(ticket.status).toBe('new');
    expect(ticket.requester).toBe(customer);
    expect(ticket.subject).toBe('Printer on fire');
    expect(ticket.messages.filter((m) => m.direction === 'in').map((m) => m.body)).toEqual(['The printer in room 4 is on fire.\nPlease help.']);

    const h = ack!.headers;
    expect(h.get('subject')).toBe('[HD-1] Printer on fire');
    expect(h.get('in-reply-to')).toBe('<carol-1@example.test>');
    expect(h.get('references')).toContain('<carol-1@example.test>');
    expect(h.get('auto-submitted')).toBe('auto-replied');
    expect(h.get('reply-to')).toContain(support);
    expect(h.get('from')).toContain(support);
    expect(h.get('content-type')).toMatch(/multipart\/alternative/);
    expect(ack!.source).toMatch(/Content-Type: text\/plain/);
    expect(ack!.source).toMatch(/Content-Type: text\/html/);
    // The Message-ID the customer received is the one stored on the ticket: stable across resends.
    const out = ticket.messages.find((m) => m.direction === 'out');
    expect(h.get('message-id')).toBe(`<${out!.messageId}>`);
  });

  it('marks the processed mail \\Seen in the shared mailbox', async () => {
    const inbox = await waitForMailbox(support, (m) => m.length >= 1 && m.every((x) => x.seen));
    expect(inbox.every((m) => m.seen)).toBe(true);
  });

  it('threads a reply by subject tag onto the same ticket without a second acknowledgment', async () => {
    await sendRaw(
      rawMail({ from: customer, to: support, subject: 'Re: [HD-1] Printer on fire', messageId: 'carol-2@example.test', body: 'It is still burning.\n\nOn Mon, Support wrote:\n> Thank you' }),
      { from: customer, to: [support] },
    );
    const t = await waitFor('reply stored', async () => {
      const v = await ticketView(ctx.db, 'HD-1');
      return v.messages.filter((m) => m.direction === 'in').length === 2 ? v : undefined;
    });
    expect(t.messages.at(-1)!.body).toBe('It is still burning.');
    expect(await ticketCount()).toBe(1);
  });

  it('threads a reply by In-Reply-To alone, and one sent to the plus address', async () => {
    const before = await ticketView(ctx.db, 'HD-1');
    const ackId = before.messages.find((m) => m.direction === 'out')!.messageId;
    await sendRaw(rawMail({ from: customer, to: support, subject: 'no tag here', messageId: 'carol-3@example.test', inReplyTo: ackId, references: [ackId], body: 'By references.' }), { from: customer, to: [support] });
    const plus = support.replace('@', '+HD-1@');
    await sendRaw(rawMail({ from: customer, to: plus, subject: 'plus address', messageId: 'carol-4@example.test', body: 'By plus address.' }), { from: customer, to: [plus] });
    const t = await waitFor('both replies stored', async () => {
      const v = await ticketView(ctx.db, 'HD-1');
      return v.messages.filter((m) => m.direction === 'in').length === 4 ? v : undefined;
    });
    const decisions = t.messages.filter((m) => m.direction === 'in').slice(2).map((m) => m.decisions.find((d) => d.stage === 'thread')!.reason);
    expect(decisions[0]).toMatch(/^references/);
    expect(decisions[1]).toMatch(/^plus-address/);
    expect(await ticketCount()).toBe(1);
    // Still exactly one acknowledgment in the customer's mailbox.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await readMailbox(customer)).length).toBe(1);
  });

  it('stores the same raw mail delivered twice only once', async () => {
    const raw = rawMail({ from: customer, to: support, subject: 'Second problem', messageId: 'carol-dup@example.test', body: 'Delivered twice.' });
    await sendRaw(raw, { from: customer, to: [support] });
    await sendRaw(raw, { from: customer, to: [support] });
    await waitFor('both copies handled', async () => {
      const rows = (await ctx.db('receipts').where({ message_id: 'carol-dup@example.test' }).select('outcome')) as { outcome: string }[];
      return rows.length === 2 ? rows : undefined;
    });
    const outcomes = ((await ctx.db('receipts').where({ message_id: 'carol-dup@example.test' }).select('outcome')) as { outcome: string }[]).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['duplicate', 'stored']);
    const tickets = (await listTickets(ctx.db)).filter((t) => t.subject === 'Second problem');
    expect(tickets).toHaveLength(1);
    const acks = await waitForMailbox(customer, (m) => m.length === 2);
    expect(acks.filter((m) => m.headers.get('subject')?.includes('Second problem'))).toHaveLength(1);
  });

  it('survives a UIDVALIDITY change (mailbox migrated, flags lost) without duplicates', async () => {
    const before = (await listTickets(ctx.db)).length;
    // The server now reports a different UIDVALIDITY than the checkpoint, and all mail is unseen again.
    await ctx.db('mailbox_checkpoints').update({ uid_validity: 1 });
    const s = mailStack();
    const client = await connect({ host: s.host, port: s.imapPort, user: support, pass: s.password });
    await client.mailboxOpen('INBOX');
    await client.messageFlagsRemove('1:*', ['\\Seen']);
    await client.logout();

    await sendRaw(rawMail({ from: customer, to: support, subject: 'After the migration', messageId: 'carol-after@example.test', body: 'New mail.' }), { from: customer, to: [support] });
    await waitFor('the new mail stored', async () => ((await listTickets(ctx.db)).some((t) => t.subject === 'After the migration') ? true : undefined));
    await waitForMailbox(support, (m) => m.every((x) => x.seen));
    expect((await listTickets(ctx.db)).length).toBe(before + 1);
    const dupes = (await ctx.db('receipts').where({ outcome: 'duplicate' }).count<{ count: string }[]>('id as count'))[0]!;
    expect(Number(dupes.count)).toBeGreaterThanOrEqual(5);
  });
});
