import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAll, connect } from '../../bench/mailbox.js';
import type { Config } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { imapCheckpointKey } from '../../src/ingress/imap.js';
import { receiveSafely } from '../../src/ingress/receive-safely.js';
import { getCheckpoint } from '../../src/store/ingest-log.js';
import { startDesk, type E2eDesk } from '../support/e2e.js';
import { mailStack, rawMail, readMailbox, uniqueAddress, waitFor } from '../support/mail-client.js';

/**
 * One IMAP window holds new requests together with their replies (by the same customer, and by a
 * colleague threading only by References); the window's mails are stored several at a time. Two of
 * them were committed by an earlier run that died before it moved the checkpoint.
 */
describe('a window of related mails stored concurrently', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const conversations = 12;
  let desk: E2eDesk | undefined;
  let ctx: AppContext;
  let config: Config;
  let lastUid = 0;

  beforeAll(async () => {
    const s = mailStack();
    const requests: Buffer[] = [];
    const replies: Buffer[] = [];
    const colleagues: Buffer[] = [];
    for (let i = 0; i < conversations; i++) {
      const customer = uniqueAddress(`w${i}`, 'example.test');
      const colleague = uniqueAddress(`colleague${i}`, 'example.test');
      const id = `window-${i}-${customer}`;
      requests.push(Buffer.from(rawMail({ from: customer, to: support, subject: `Window ${i}`, messageId: id, body: `Request ${i}.` })));
      replies.push(Buffer.from(rawMail({ from: customer, to: support, subject: `Re: Window ${i}`, messageId: `reply-${id}`, inReplyTo: id, body: `Reply ${i}.` })));
      colleagues.push(Buffer.from(rawMail({ from: colleague, to: support, subject: `Fwd: something`, messageId: `colleague-${id}`, references: [id], body: `Colleague ${i}.` })));
    }
    const garbage = Buffer.from('this is not a mail at all');
    const account = { host: s.host, port: s.imapPort, user: support, pass: s.password };
    // Each request directly followed by its replies: run at once, a reply would open a second ticket.
    await appendAll(account, [...requests.flatMap((r, i) => [r, replies[i]!, colleagues[i]!]), garbage]);
    // An earlier run committed request 5 and quarantined the garbage, then died before the checkpoint moved.
    desk = await startDesk('window', {
      support,
      beforeStart: async (open) => {
        ctx = open;
        config = open.config;
        const client = await connect(account);
        const mailbox = await client.mailboxOpen('INBOX');
        const uids: number[] = [];
        for await (const m of client.fetch('1:*', { uid: true }, { uid: false })) uids.push(m.uid);
        await client.logout();
        lastUid = Math.max(...uids);
        const at = (uid: number) => ({ source: `imap:${mailbox.uidValidity}:${uid}`, imap: { mailbox: imapCheckpointKey(config.imap!), uidValidity: Number(mailbox.uidValidity), uid } });
        await receiveSafely(ctx, requests[5]!, at(uids[15]!));
        await receiveSafely(ctx, garbage, at(lastUid));
        expect(await getCheckpoint(ctx.db, imapCheckpointKey(config.imap!))).toBeUndefined();
      },
    });
  }, 60_000);

  afterAll(async () => {
    await desk?.stop();
  });

  it('threads every reply onto its request, in mailbox order, with one ticket and one acknowledgment per conversation', async () => {
    await waitFor('all flagged', async () => {
      const m = await readMailbox(support);
      return m.length === 3 * conversations + 1 && m.every((x) => x.seen) ? m : undefined;
    }, 60_000);
    const tickets = (await ctx.db('tickets').select('id', 'subject').orderBy('id')) as { id: number; subject: string }[];
    expect(tickets.map((t) => t.subject).sort()).toEqual(Array.from({ length: conversations }, (_, i) => `Window ${i}`).sort());
    for (const ticket of tickets) {
      const messages = (await ctx.db('messages').where({ ticket_id: ticket.id, direction: 'in' }).orderBy('id').select('body')) as { body: string }[];
      const i = ticket.subject.slice('Window '.length);
      expect(messages.map((m) => m.body.trim()), ticket.subject).toEqual([`Request ${i}.`, `Reply ${i}.`, `Colleague ${i}.`]);
    }
    const acks = (await ctx.db('outbox').where({ kind: 'received' }).count<{ n: string }[]>('id as n')) as { n: string }[];
    expect(Number(acks[0]!.n)).toBe(conversations);
  });

  it('does not receive again what the earlier run committed, and moves the checkpoint to the last UID', async () => {
    const receipts = (await ctx.db('receipts').select('outcome')) as { outcome: string }[];
    expect(receipts).toHaveLength(3 * conversations + 1);
    expect(receipts.filter((r) => r.outcome === 'duplicate')).toHaveLength(0);
    expect(await ctx.db('quarantine').count<{ n: string }[]>('id as n')).toEqual([{ n: '1' }]);
    await waitFor('checkpoint at the last UID', async () => ((await getCheckpoint(ctx.db, imapCheckpointKey(config.imap!)))?.lastUid === lastUid ? true : undefined), 10_000);
    expect(await ctx.db('imap_committed_uids').count<{ n: string }[]>('uid as n')).toEqual([{ n: '0' }]);
  });
});
