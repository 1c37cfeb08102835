import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, packageRoot } from '../../src/config.js';
import { receiveMail, type Origin, type ReceiveDeps, type ReceiveResult } from '../../src/receive.js';
import { findAgentByEmail, listAgents, removeAgent, upsertAgent } from '../../src/store/agents.js';
import { closeDb, migrate, openDb, type Db } from '../../src/store/db.js';
import { advanceCheckpointPast, committedUids, getCheckpoint } from '../../src/store/ingest-log.js';
import { findTicketIdByMessageIds, insertMessageOnce, listMessages, type NewMessage } from '../../src/store/messages.js';
import { claimDueOutbox, insertOutbox, listOutbox, markOutboxFailed, markOutboxRetry, markOutboxSent, outboxStats, type OutboxRow } from '../../src/store/outbox.js';
import { findTicketByRef, insertTicket, listTickets, type TicketRow } from '../../src/store/tickets.js';
import { freshDatabase } from '../support/postgres.js';
import { testDeps } from '../support/deps.js';
import { rawMessage } from '../support/raw-mail.js';

/** The two databases deskmail runs on, with the same migrations and the same queries. */
interface Target {
  name: string;
  /** Several connections: concurrent claims are possible (PGlite has exactly one). */
  concurrent: boolean;
  open(): Promise<{ db: Db; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'PostgreSQL',
    concurrent: true,
    async open() {
      const fresh = await freshDatabase();
      const db = openDb({ databaseUrl: fresh.url, embeddedDir: undefined });
      return {
        db,
        async close() {
          await closeDb(db);
          await fresh.drop();
        },
      };
    },
  },
  {
    name: 'embedded PGlite',
    concurrent: false,
    async open() {
      const db = openDb({ databaseUrl: undefined, embeddedDir: undefined });
      return { db, close: () => closeDb(db) };
    },
  },
];

const TABLES = ['outbox', 'quarantine', 'receipts', 'mailbox_checkpoints', 'imap_committed_uids', 'events', 'messages', 'participants', 'tickets', 'agents'];

async function count(db: Db, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const [row] = await db(table).where(where).count<{ n: string | number }[]>('* as n');
  return Number(row?.n ?? 0);
}

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = await count(db, table);
  return out;
}

function message(ticketId: number, messageId: string, mailbox = 'support@helpdesk.test'): NewMessage {
  return {
    ticketId,
    mailbox,
    messageId,
    direction: 'in',
    fromAddress: 'ann@example.test',
    fromName: 'Ann',
    to: ['support@helpdesk.test'],
    cc: [],
    subject: 'Printer on fire',
    body: 'It is on fire.',
    bodyHtml: undefined,
    inReplyTo: undefined,
    references: [],
    raw: Buffer.from('raw source'),
    decisions: [{ stage: 'test', verdict: 'ok', reason: 'inserted by the test' }],
    sentAt: undefined,
  };
}

async function queueMail(db: Db, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      await insertOutbox(db, {
        ticketId: undefined,
        kind: 'received',
        messageId: `out-${i}-${Math.random().toString(36).slice(2)}@helpdesk.test`,
        fromAddress: 'support@helpdesk.test',
        to: ['ann@example.test'],
        subject: `[HD-${i}] hello`,
        text: 'hello\n',
        html: undefined,
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
    );
  }
  return ids;
}

const idsOf = (rows: OutboxRow[]): number[] => rows.map((r) => r.id);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function outboxRow(db: Db, id: number): Promise<OutboxRow> {
  return (await db<OutboxRow>('outbox').where({ id }).first())!;
}

describe.each(targets)('store on $name', (target) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await target.open());
    await migrate(db);
  });
  afterAll(async () => {
    await close?.();
  });
  beforeEach(async () => {
    await db.raw(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  });

  describe('migrations', () => {
    it('migrating again applies nothing and keeps the data', async () => {
      await upsertAgent(db, { email: 'alice@helpdesk.test', name: 'Alice', role: 'agent', skills: [] });
      expect(await migrate(db)).toEqual([]);
      expect(await migrate(db)).toEqual([]);
      expect(await count(db, 'agents')).toBe(1);
      // one row per migration file, each applied once
      expect(await count(db, 'knex_migrations')).toBe(readdirSync(join(packageRoot(), 'migrations')).filter((f) => f.endsWith('.js')).length);
    });
  });

  describe('tickets and messages', () => {
    it('a new ticket is referenced as PREFIX-id, counting up', async () => {
      const first = await insertTicket(db, 'HD', { subject: 'One', requesterEmail: 'ann@example.test', requesterName: 'Ann' });
      const second = await insertTicket(db, 'HD', { subject: 'Two', requesterEmail: 'bob@example.test', requesterName: undefined });
      expect(first.ref).toBe(`HD-${first.id}`);
      expect(second.ref).toBe(`HD-${second.id}`);
      expect(second.id).toBeGreaterThan(first.id);
      expect(first).toMatchObject({ status: 'new', priority: 'P3', tags: [], requester_email: 'ann@example.test', requester_name: 'Ann' });
      expect(second.requester_name).toBeNull();
      expect((await findTicketByRef(db, `hd-${second.id}`))?.id).toBe(second.id);
    });

    it('a second message with the same Message-ID in the same mailbox is refused', async () => {
      const t = await insertTicket(db, 'HD', { subject: 'One', requesterEmail: 'ann@example.test', requesterName: undefined });
      const first = await insertMessageOnce(db, message(t.id, 'same@example.test'));
      const again = await insertMessageOnce(db, { ...message(t.id, 'same@example.test'), body: 'changed' });
      expect(first).toEqual(expect.any(Number));
      expect(again).toBeUndefined();
      const stored = await listMessages(db, t.id);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ body: 'It is on fire.', to_addresses: ['support@helpdesk.test'], decisions: [{ stage: 'test', verdict: 'ok', reason: 'inserted by the test' }] });
      expect(Buffer.from(stored[0]!.raw!).toString()).toBe('raw source');
    });

    it('the same Message-ID in another mailbox is another message', async () => {
      const t = await insertTicket(db, 'HD', { subject: 'One', requesterEmail: 'ann@example.test', requesterName: undefined });
      expect(await insertMessageOnce(db, message(t.id, 'same@example.test', 'support@helpdesk.test'))).toEqual(expect.any(Number));
      expect(await insertMessageOnce(db, message(t.id, 'same@example.test', 'sales@helpdesk.test'))).toEqual(expect.any(Number));
    });

    it('findTicketIdByMessageIds finds the ticket of the first known id, in the order given', async () => {
      const one = await insertTicket(db, 'HD', { subject: 'One', requesterEmail: 'ann@example.test', requesterName: undefined });
      const two = await insertTicket(db, 'HD', { subject: 'Two', requesterEmail: 'bob@example.test', requesterName: undefined });
      await insertMessageOnce(db, message(one.id, 'a@example.test'));
      await insertMessageOnce(db, message(two.id, 'b@example.test'));
      expect(await findTicketIdByMessageIds(db, 'support@helpdesk.test', ['unknown@x', 'b@example.test', 'a@example.test'])).toEqual({ ticketId: two.id, messageId: 'b@example.test' });
      expect(await findTicketIdByMessageIds(db, 'support@helpdesk.test', ['a@example.test', 'b@example.test'])).toEqual({ ticketId: one.id, messageId: 'a@example.test' });
      expect(await findTicketIdByMessageIds(db, 'support@helpdesk.test', ['unknown@x'])).toBeUndefined();
      expect(await findTicketIdByMessageIds(db, 'support@helpdesk.test', [])).toBeUndefined();
      expect(await findTicketIdByMessageIds(db, 'sales@helpdesk.test', ['a@example.test'])).toBeUndefined();
    });
  });

  describe('mailbox checkpoints', () => {
    it('never go back within one UIDVALIDITY and start over on a new one', async () => {
      expect(await getCheckpoint(db, 'INBOX')).toBeUndefined();
      const steps: [number, number, { uidValidity: number; lastUid: number }][] = [
        [100, 10, { uidValidity: 100, lastUid: 10 }],
        [100, 7, { uidValidity: 100, lastUid: 10 }],
        [100, 10, { uidValidity: 100, lastUid: 10 }],
        [100, 12, { uidValidity: 100, lastUid: 12 }],
        [200, 3, { uidValidity: 200, lastUid: 3 }],
        [200, 2, { uidValidity: 200, lastUid: 3 }],
        [100, 1, { uidValidity: 100, lastUid: 1 }],
      ];
      for (const [uidValidity, uid, expected] of steps) {
        await advanceCheckpointPast(db, 'INBOX', uidValidity, uid);
        expect(await getCheckpoint(db, 'INBOX')).toEqual(expected);
      }
    });

    it('are kept per mailbox', async () => {
      await advanceCheckpointPast(db, 'INBOX', 1, 50);
      await advanceCheckpointPast(db, 'Archive', 9, 5);
      expect(await getCheckpoint(db, 'INBOX')).toEqual({ uidValidity: 1, lastUid: 50 });
      expect(await getCheckpoint(db, 'Archive')).toEqual({ uidValidity: 9, lastUid: 5 });
    });

    it('hold UIDs and UIDVALIDITY values above 2^31', async () => {
      await advanceCheckpointPast(db, 'INBOX', 4_294_967_295, 3_000_000_000);
      expect(await getCheckpoint(db, 'INBOX')).toEqual({ uidValidity: 4_294_967_295, lastUid: 3_000_000_000 });
    });
  });

  describe('outbox claims', () => {
    it('a claim takes due rows oldest first, leases them, and counts the attempt', async () => {
      const ids = await queueMail(db, 3);
      const first = await claimDueOutbox(db, 2, 60);
      expect(idsOf(first)).toEqual(ids.slice(0, 2));
      expect(first.every((r) => r.attempts === 1 && r.locked_until !== null)).toBe(true);
      expect(idsOf(await claimDueOutbox(db, 2, 60))).toEqual(ids.slice(2));
      expect(await claimDueOutbox(db, 2, 60)).toEqual([]);
    });

    it('a leased row becomes claimable again once its lease expires (the sender died)', async () => {
      const [id] = await queueMail(db, 1);
      expect(idsOf(await claimDueOutbox(db, 10, 0.5))).toEqual([id]);
      expect(await claimDueOutbox(db, 10, 0.5)).toEqual([]);
      await sleep(800);
      const again = await claimDueOutbox(db, 10, 60);
      expect(idsOf(again)).toEqual([id]);
      expect(again[0]!.attempts).toBe(2);
    });

    it('a row marked for retry waits its delay, with the error recorded', async () => {
      const [id] = await queueMail(db, 1);
      await claimDueOutbox(db, 10, 60);
      await markOutboxRetry(db, id!, '451 greylisted', 60);
      expect(await claimDueOutbox(db, 10, 60)).toEqual([]);
      const row = await outboxRow(db, id!);
      expect(row).toMatchObject({ status: 'pending', last_error: '451 greylisted', locked_until: null });
      const waitSeconds = (new Date(row.next_attempt_at).getTime() - Date.now()) / 1000;
      expect(waitSeconds).toBeGreaterThan(50);
      expect(waitSeconds).toBeLessThanOrEqual(61);
    });

    it('a row marked for retry with no delay is claimable at once', async () => {
      const [id] = await queueMail(db, 1);
      await claimDueOutbox(db, 10, 60);
      await markOutboxRetry(db, id!, 'connection reset', 0);
      await sleep(20);
      expect(idsOf(await claimDueOutbox(db, 10, 60))).toEqual([id]);
    });

    it('sent and failed rows are never claimed again', async () => {
      const [sent, failed, pending] = await queueMail(db, 3);
      await claimDueOutbox(db, 10, 60);
      await markOutboxSent(db, sent!);
      await markOutboxFailed(db, failed!, '550 no such user');
      await markOutboxRetry(db, pending!, 'later', 0);
      await sleep(20);
      expect(idsOf(await claimDueOutbox(db, 10, 60))).toEqual([pending]);
      expect(await outboxStats(db)).toEqual({ pending: 1, sent: 1, failed: 1 });
      expect(await outboxRow(db, failed!)).toMatchObject({ status: 'failed', last_error: '550 no such user' });
    });

    if (target.concurrent) {
      it('a claim skips rows another open claim holds, without waiting for it (SKIP LOCKED)', async () => {
        const ids = await queueMail(db, 6);
        const holder = await db.transaction();
        try {
          const held = await claimDueOutbox(holder, 3, 60);
          const other = await Promise.race([
            claimDueOutbox(db, 3, 60),
            sleep(5000).then(() => {
              throw new Error('the second claim waited for the first one’s row locks');
            }),
          ]);
          expect(idsOf(held)).toEqual(ids.slice(0, 3));
          expect(idsOf(other)).toEqual(ids.slice(3));
        } finally {
          await holder.commit();
        }
        expect(await claimDueOutbox(db, 10, 60)).toEqual([]);
      });

      it('many senders claiming at once never get the same row, and every row is claimed once', async () => {
        const ids = await queueMail(db, 40);
        const claimed: number[] = [];
        for (let round = 0; round < 10 && claimed.length < ids.length; round++) {
          const batches = await Promise.all(Array.from({ length: 8 }, () => claimDueOutbox(db, 3, 60)));
          for (const batch of batches) claimed.push(...idsOf(batch));
        }
        expect(new Set(claimed).size).toBe(claimed.length);
        expect([...claimed].sort((a, b) => a - b)).toEqual(ids);
      });
    }
  });

  describe('agents', () => {
    it('adding an agent twice updates it in place', async () => {
      const added = await upsertAgent(db, { email: 'alice@helpdesk.test', name: 'Alice', role: 'agent', skills: ['billing'] });
      const updated = await upsertAgent(db, { email: 'alice@helpdesk.test', name: 'Alice Smith', role: 'lead', skills: ['billing', 'vpn'] });
      expect(updated.id).toBe(added.id);
      expect(updated).toMatchObject({ email: 'alice@helpdesk.test', name: 'Alice Smith', role: 'lead', skills: ['billing', 'vpn'], active: true });
      expect((await listAgents(db)).map((a) => a.email)).toEqual(['alice@helpdesk.test']);
    });

    it('removing an agent deactivates it; re-adding reactivates the same agent', async () => {
      const alice = await upsertAgent(db, { email: 'alice@helpdesk.test', name: 'Alice', role: 'agent', skills: [] });
      await upsertAgent(db, { email: 'bob@helpdesk.test', name: 'Bob', role: 'admin', skills: [] });
      expect(await removeAgent(db, 'ALICE@helpdesk.test')).toBe(true);
      expect(await findAgentByEmail(db, 'alice@helpdesk.test')).toBeUndefined();
      expect((await listAgents(db)).map((a) => a.email)).toEqual(['bob@helpdesk.test']);
      expect(await count(db, 'agents')).toBe(2);
      expect(await removeAgent(db, 'alice@helpdesk.test')).toBe(false);
      expect(await removeAgent(db, 'nobody@helpdesk.test')).toBe(false);
      const back = await upsertAgent(db, { email: 'alice@helpdesk.test', name: 'Alice', role: 'agent', skills: [] });
      expect(back).toMatchObject({ id: alice.id, active: true });
      expect((await findAgentByEmail(db, 'Alice@Helpdesk.test'))?.id).toBe(alice.id);
    });
  });

  describe('receiveMail end to end', () => {
    let dataDir: string;
    let deps: ReceiveDeps;

    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'deskmail-store-'));
      const config = loadConfig({ HELPDESK_ADDRESS: 'support@helpdesk.test', DESKMAIL_DATA_DIR: dataDir });
      deps = testDeps(db, config);
    });
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    const FILE: Origin = { source: 'file:test.eml' };

    /** Receives one raw mail and checks the rule every call obeys: exactly one new receipt. */
    async function receive(raw: Buffer, origin: Origin = FILE): Promise<ReceiveResult> {
      const before = await count(db, 'receipts');
      const result = await receiveMail(deps, raw, origin);
      expect(await count(db, 'receipts')).toBe(before + 1);
      const [receipt] = await db('receipts').orderBy('id', 'desc').limit(1);
      expect(receipt).toMatchObject({ outcome: result.outcome, source: origin.source, mailbox: 'support@helpdesk.test' });
      return result;
    }

    const request = rawMessage([
      'From: Ann Customer <ann@example.test>',
      'To: support@helpdesk.test',
      'Cc: boss@example.test',
      'Subject: Printer on fire',
      'Date: Mon, 23 Nov 2026 10:00:00 +0000',
      'Message-ID: <req-1@example.test>',
    ]);
    const reply = (headerLines: string[]): Buffer => rawMessage(['From: Ann Customer <ann@example.test>', 'Date: Mon, 23 Nov 2026 11:00:00 +0000', ...headerLines], 'One more thing: it smells of toner.\n');

    async function theTicket(): Promise<TicketRow> {
      const tickets = await listTickets(db);
      expect(tickets).toHaveLength(1);
      return tickets[0]!;
    }

    it('a new mail opens HD-1 and queues one acknowledgment', async () => {
      const result = await receive(request);
      expect(result).toMatchObject({ outcome: 'stored', ticketRef: 'HD-1', messageId: 'req-1@example.test', notifications: 1 });
      const ticket = await theTicket();
      expect(ticket).toMatchObject({ ref: 'HD-1', subject: 'Printer on fire', status: 'new', requester_email: 'ann@example.test', requester_name: 'Ann Customer' });
      const outbox = await listOutbox(db);
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({ kind: 'received', ticket_id: ticket.id, to_addresses: ['ann@example.test'], subject: '[HD-1] Printer on fire', status: 'pending' });
      expect(outbox[0]!.headers).toMatchObject({ 'In-Reply-To': '<req-1@example.test>', 'Auto-Submitted': 'auto-replied' });
      const messages = await listMessages(db, ticket.id);
      expect(messages.map((m) => [m.direction, m.message_id])).toEqual([
        ['in', 'req-1@example.test'],
        ['out', outbox[0]!.message_id],
      ]);
      expect(Buffer.from(messages[0]!.raw!).equals(request)).toBe(true);
      expect(messages[0]!.decisions.map((d) => d.stage)).toEqual(['parse', 'screen', 'thread', 'plan', 'triage', 'notify']);
      expect(await db('receipts').first()).toMatchObject({ outcome: 'stored', message_id: 'req-1@example.test', ticket_id: ticket.id });
    });

    it('the same mail delivered again is a duplicate and changes nothing', async () => {
      await receive(request);
      const before = await counts(db);
      const result = await receive(request);
      expect(result).toMatchObject({ outcome: 'duplicate', ticketRef: undefined, notifications: 0 });
      expect(await counts(db)).toEqual({ ...before, receipts: before['receipts']! + 1 });
      expect(await db('receipts').orderBy('id', 'desc').first()).toMatchObject({ outcome: 'duplicate', message_id: 'req-1@example.test', ticket_id: null });
    });

    it('a mail without a Message-ID delivered twice is stored once', async () => {
      const noId = rawMessage(['From: bob@example.test', 'To: support@helpdesk.test', 'Subject: No id here']);
      expect((await receive(noId)).outcome).toBe('stored');
      expect((await receive(noId)).outcome).toBe('duplicate');
      expect(await count(db, 'tickets')).toBe(1);
    });

    const replies: [string, (ackId: string) => Buffer][] = [
      ['the subject tag', () => reply(['To: support@helpdesk.test', 'Subject: Re: [HD-1] Printer on fire', 'Message-ID: <reply-1@example.test>'])],
      ['In-Reply-To our acknowledgment', (ackId) => reply(['To: support@helpdesk.test', 'Subject: Re: Printer on fire', 'Message-ID: <reply-1@example.test>', `In-Reply-To: <${ackId}>`, `References: <req-1@example.test> <${ackId}>`])],
      ['In-Reply-To the customer’s own first mail', () => reply(['To: support@helpdesk.test', 'Subject: Also', 'Message-ID: <reply-1@example.test>', 'In-Reply-To: <req-1@example.test>'])],
      ['the plus address', () => reply(['To: support+HD-1@helpdesk.test', 'Subject: More about my printer', 'Message-ID: <reply-1@example.test>'])],
    ];
    it.each(replies)('a reply found by %s is appended to HD-1 with no new outbox row', async (_key, make) => {
      await receive(request);
      const [ack] = await listOutbox(db);
      const result = await receive(make(ack!.message_id));
      expect(result).toMatchObject({ outcome: 'stored', ticketRef: 'HD-1', messageId: 'reply-1@example.test', notifications: 0 });
      const ticket = await theTicket();
      expect(await count(db, 'outbox')).toBe(1);
      const messages = await listMessages(db, ticket.id);
      expect(messages.map((m) => m.message_id)).toEqual(['req-1@example.test', ack!.message_id, 'reply-1@example.test']);
      expect(messages[2]!.body).toBe('One more thing: it smells of toner.');
      expect(await count(db, 'events', { ticket_id: ticket.id, type: 'message_received' })).toBe(1);
    });

    it('an auto-reply to no ticket is dropped, with a receipt saying why', async () => {
      const ooo = rawMessage(['From: bob@example.test', 'To: support@helpdesk.test', 'Subject: Out of office', 'Message-ID: <ooo-1@example.test>', 'Auto-Submitted: auto-replied']);
      const result = await receive(ooo);
      expect(result).toMatchObject({ outcome: 'dropped', ticketRef: undefined, notifications: 0 });
      expect(await count(db, 'tickets')).toBe(0);
      expect(await count(db, 'outbox')).toBe(0);
      const receipt = (await db('receipts').first()) as { reason: string; message_id: string; decisions: { stage: string; verdict: string }[] };
      expect(receipt.message_id).toBe('ooo-1@example.test');
      expect(receipt.reason).toMatch(/automatic reply/);
      expect(receipt.decisions).toContainEqual(expect.objectContaining({ stage: 'screen:auto-reply', verdict: 'auto-reply' }));
    });

    it('our own acknowledgment coming back is dropped as a loop', async () => {
      await receive(request);
      const [ack] = await listOutbox(db);
      const echo = rawMessage(['From: Support <support@helpdesk.test>', 'To: ann@example.test', `Subject: ${ack!.subject}`, `Message-ID: <echo-${ack!.id}@helpdesk.test>`, 'X-Deskmail-Loop: support@helpdesk.test']);
      expect((await receive(echo)).outcome).toBe('dropped');
      expect(await count(db, 'messages')).toBe(2);
    });

    it('garbage lands in quarantine, byte for byte', async () => {
      const garbage = Buffer.from('\u0000\u0001 this is not a mail at all \u00ff\n');
      const result = await receive(garbage);
      expect(result.outcome).toBe('quarantined');
      const held = (await db('quarantine').select('*')) as { raw: Uint8Array; source: string; status: string }[];
      expect(held).toHaveLength(1);
      expect(Buffer.from(held[0]!.raw).equals(garbage)).toBe(true);
      expect(held[0]).toMatchObject({ source: 'file:test.eml', status: 'held' });
      expect(await count(db, 'tickets')).toBe(0);
    });

    it('every call leaves exactly one receipt, whatever became of the mail', async () => {
      const outcomes: string[] = [];
      for (const raw of [request, request, reply(['To: support@helpdesk.test', 'Subject: Re: [HD-1] x', 'Message-ID: <r2@example.test>']), rawMessage(['From: MAILER-DAEMON@mx.example.test', 'Subject: Undelivered', 'Message-ID: <dsn@mx.example.test>']), Buffer.from('garbage')]) {
        outcomes.push((await receive(raw)).outcome);
      }
      expect(outcomes).toEqual(['stored', 'duplicate', 'stored', 'dropped', 'quarantined']);
      expect(await count(db, 'receipts')).toBe(5);
    });

    it('every outcome records its IMAP UID in the same transaction; the checkpoint moves only when the ingress says', async () => {
      const at = (uid: number): Origin => ({ source: `imap:7:${uid}`, imap: { mailbox: 'INBOX', uidValidity: 7, uid } });
      // Out of UID order, as concurrent transactions commit: stored, duplicate, quarantined.
      await receive(request, at(3));
      await receive(request, at(1));
      await receive(Buffer.from('garbage'), at(4));
      expect(await getCheckpoint(db, 'INBOX')).toBeUndefined();
      expect([...(await committedUids(db, 'INBOX', 7, [1, 2, 3, 4]))].sort()).toEqual([1, 3, 4]);
      expect((await committedUids(db, 'INBOX', 8, [1, 3])).size).toBe(0);
      expect((await committedUids(db, 'Archive', 7, [1, 3])).size).toBe(0);
      // UID 2 is not committed: the checkpoint may only reach 1, and the records above it stay.
      await advanceCheckpointPast(db, 'INBOX', 7, 1);
      expect(await getCheckpoint(db, 'INBOX')).toEqual({ uidValidity: 7, lastUid: 1 });
      expect([...(await committedUids(db, 'INBOX', 7, [1, 2, 3, 4]))].sort()).toEqual([3, 4]);
      await advanceCheckpointPast(db, 'INBOX', 7, 4);
      expect(await getCheckpoint(db, 'INBOX')).toEqual({ uidValidity: 7, lastUid: 4 });
      expect(await count(db, 'imap_committed_uids')).toBe(0);
    });

    if (target.concurrent) {
      it('the same mail reaching two gateways at once is stored once', async () => {
        const results = await Promise.all([receiveMail(deps, request, FILE), receiveMail(deps, request, FILE)]);
        expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'stored']);
        expect(await count(db, 'tickets')).toBe(1);
        expect(await count(db, 'outbox')).toBe(1);
        expect(await count(db, 'messages', { direction: 'in' })).toBe(1);
        expect(await count(db, 'receipts')).toBe(2);
      });
    }
  });
});
