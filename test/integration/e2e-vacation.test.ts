import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView } from '../../src/cli/tickets.js';
import type { AppContext } from '../../src/context.js';
import { listTickets } from '../../src/store/tickets.js';
import { startDesk, type E2eDesk } from '../support/e2e.js';
import { rawMail, readMailbox, sendRaw, uniqueAddress, waitFor } from '../support/mail-client.js';

/**
 * Auto-responder ping-pong, the peers' classic: the customer's vacation responder answers every
 * mail it gets, ours included. The customer must get one acknowledgment, not a loop.
 */
describe('a customer with a vacation responder', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const customer = uniqueAddress('vera', 'example.test');
  let desk: E2eDesk | undefined;
  let ctx: AppContext;
  let responding = true;
  const answered = new Set<number>();

  /** Answers every new mail in the customer's mailbox the way Sieve vacation / Exchange OOF do. */
  async function responder(): Promise<void> {
    while (responding) {
      for (const m of await readMailbox(customer)) {
        if (answered.has(m.uid)) continue;
        answered.add(m.uid);
        const to = (m.headers.get('reply-to') ?? m.headers.get('from') ?? '').replace(/^.*</, '').replace(/>.*$/, '');
        const id = `vacation-${m.uid}-${Date.now()}@example.test`;
        await sendRaw(
          rawMail({
            from: customer,
            to,
            subject: `Out of Office: ${m.headers.get('subject') ?? ''}`,
            messageId: id,
            inReplyTo: (m.headers.get('message-id') ?? '').replace(/[<>]/g, ''),
            body: 'I am on holiday until Monday and will read your mail when I am back.',
            extraHeaders: ['Auto-Submitted: auto-replied (vacation)', 'Precedence: bulk'],
          }),
          { from: customer, to: [to] },
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  beforeAll(async () => {
    desk = await startDesk('vac', { support });
    ctx = desk.ctx;
  });

  afterAll(async () => {
    responding = false;
    await desk?.stop();
  });

  it('gets exactly one acknowledgment; the auto-reply is recorded on the ticket without a loop', async () => {
    const running = responder();
    await sendRaw(rawMail({ from: customer, to: support, subject: 'Invoice is wrong', messageId: 'vera-1@example.test', body: 'The invoice total is wrong.' }), { from: customer, to: [support] });
    // The responder answers the acknowledgment; give a loop time to show itself.
    await waitFor('the auto-reply recorded', async () => {
      const t = await ticketView(ctx.db, 'HD-1').catch(() => undefined);
      return t?.events.some((e) => e.type === 'auto-reply_received') ? t : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 5000));
    responding = false;
    await running;

    expect((await readMailbox(customer)).length).toBe(1);
    expect(await listTickets(ctx.db)).toHaveLength(1);
    const t = await ticketView(ctx.db, 'HD-1');
    expect(t.status).toBe('new');
    const autoReply = t.messages.find((m) => m.body.includes('on holiday'))!;
    expect(autoReply.decisions.find((d) => d.stage.startsWith('screen'))!.verdict).toBe('auto-reply');
  });
});
