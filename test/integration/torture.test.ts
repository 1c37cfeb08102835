import { createHash } from 'node:crypto';
import { existsSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { testDeps } from '../support/deps.js';
import { receiveSafely } from '../../src/ingress/receive-safely.js';
import { AttachmentStore } from '../../src/mail/attachments.js';
import type { ReceiveDeps, ReceiveResult } from '../../src/receive.js';
import { closeDb, migrate, openDb } from '../../src/store/db.js';
import { HELPDESK, selfCheck, tortureMails, type TortureMail } from '../support/torture-mails.js';

/**
 * "Any mail the world sends" (issue 4): every nasty mail goes through receiveSafely — what every
 * ingress calls — in ONE sequence on the embedded database. None may throw or stop the ones
 * behind it; each adds exactly one receipt and ends stored (with a body that makes sense to a
 * person), quarantined (reason + raw kept byte for byte) or recorded as dropped/duplicate.
 */

interface StoredView {
  messageId: string;
  ticketId: number;
  subject: string;
  body: string;
  fromAddress: string;
  fromName: string | null;
  toCount: number;
  sentAt: Date | null;
  rawIdentical: boolean;
  /** Attachment rows, and whether each file is in the store with its size. */
  attachments: { filename: string | null; size: number; fileOk: boolean }[];
}

interface Observation {
  mail: TortureMail;
  size: number;
  ms: number;
  result: ReceiveResult | undefined;
  threw: string | undefined;
  receipts: { outcome: string; reason: string }[];
  quarantine: { reason: string; rawIdentical: boolean }[];
  stored: StoredView | undefined;
  /** Recipients of the outgoing mail this one caused. */
  outbox: string[][];
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A database error's first line is the whole SQL statement; its cause comes after the last " - ". */
const shortReason = (r: string): string => (r.startsWith('processing failed: ') && r.includes(' - ') ? `processing failed: … ${r.slice(r.lastIndexOf(' - ') + 3)}` : r);

const MAILS = tortureMails();
const observations = new Map<string, Observation>();
let batchMs = 0;

describe('any mail the world sends (receiveSafely on embedded PGlite)', () => {
  let deps: ReceiveDeps;
  let dataDir: string;

  async function maxId(table: string): Promise<number> {
    const row = (await deps.db(table).max('id as id').first()) as { id: number | null } | undefined;
    return Number(row?.id ?? 0);
  }

  async function observe(mail: TortureMail): Promise<Observation> {
    const raw = mail.build();
    const size = raw.length;
    const rawHash = sha256(raw);
    const receiptsBefore = await maxId('receipts');
    const quarantineBefore = await maxId('quarantine');
    const outboxBefore = await maxId('outbox');
    let result: ReceiveResult | undefined;
    let threw: string | undefined;
    const t0 = performance.now();
    try {
      result = await receiveSafely(deps, raw, { source: `torture:${mail.name}` });
    } catch (err) {
      threw = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const ms = performance.now() - t0;

    const receipts = (await deps.db('receipts').where('id', '>', receiptsBefore).orderBy('id').select('outcome', 'reason')) as { outcome: string; reason: string }[];
    // Compare the kept source by hash inside the database: no 34 MB round trip.
    const quarantine = ((await deps.db('quarantine')
      .where('id', '>', quarantineBefore)
      .orderBy('id')
      .select('reason', deps.db.raw(`encode(sha256(raw), 'hex') as hash`))) as { reason: string; hash: string }[]).map((q) => ({ reason: q.reason, rawIdentical: q.hash === rawHash }));

    const outbox = ((await deps.db('outbox').where('id', '>', outboxBefore).orderBy('id').select('to_addresses')) as { to_addresses: string[] }[]).map((o) => o.to_addresses);

    let stored: StoredView | undefined;
    if (result?.outcome === 'stored' && result.messageId !== undefined) {
      const row = (await deps.db('messages')
        .where({ mailbox: deps.sender.mailbox, message_id: result.messageId })
        .first(
          'message_id',
          'ticket_id',
          'subject',
          'body',
          'from_address',
          'from_name',
          'to_addresses',
          'sent_at',
          // Small sources stay in the row; large ones are in the file store under their sha256.
          deps.db.raw(`coalesce(encode(sha256(raw), 'hex'), raw_sha256) as hash`),
          'raw_sha256',
        )) as
        | { message_id: string; ticket_id: number; subject: string; body: string; from_address: string; from_name: string | null; to_addresses: string[]; sent_at: Date | null; hash: string | null; raw_sha256: string | null }
        | undefined;
      if (row) {
        const files = (await deps.db('attachments')
          .join('messages', 'messages.id', 'attachments.message_id')
          .where({ 'messages.mailbox': deps.sender.mailbox, 'messages.message_id': row.message_id })
          .orderBy('attachments.id')
          .select('attachments.filename', 'attachments.size', 'attachments.sha256')) as { filename: string | null; size: string | number; sha256: string }[];
        const store = new AttachmentStore(deps.config.attachmentsDir);
        const attachments = files.map((f) => {
          const path = store.pathOf(f.sha256);
          return { filename: f.filename, size: Number(f.size), fileOk: existsSync(path) && statSync(path).size === Number(f.size) };
        });
        stored = {
          attachments,
          messageId: row.message_id,
          ticketId: row.ticket_id,
          subject: row.subject,
          body: row.body,
          fromAddress: row.from_address,
          fromName: row.from_name,
          toCount: row.to_addresses.length,
          sentAt: row.sent_at === null ? null : new Date(row.sent_at),
          rawIdentical: row.hash === rawHash && (row.raw_sha256 === null || sha256(readFileSync(new AttachmentStore(deps.config.attachmentsDir).pathOf(row.raw_sha256))) === rawHash),
        };
      }
    }
    return { mail, size, ms, result, threw, receipts, quarantine, stored, outbox };
  }

  beforeAll(async () => {
    selfCheck();
    dataDir = mkdtempSync(join(tmpdir(), 'deskmail-torture-'));
    const db = openDb({ databaseUrl: undefined, embeddedDir: undefined });
    await migrate(db);
    const config = loadConfig({ HELPDESK_ADDRESS: HELPDESK, DESKMAIL_DATA_DIR: dataDir });
    deps = testDeps(db, config, 'torture-secret');

    const t0 = performance.now();
    for (const mail of MAILS) observations.set(mail.name, await observe(mail));
    batchMs = performance.now() - t0;

    const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
    const rows = [...observations.values()].map((o) => [
      cut(o.mail.name, 62),
      o.threw ? 'THREW' : (o.result?.outcome ?? '?'),
      cut(shortReason(o.threw ?? o.result?.reason ?? '').replace(/\s+/g, ' '), 90),
      o.ms.toFixed(0),
      o.size >= 1 << 20 ? `${(o.size / (1 << 20)).toFixed(1)} MB` : o.size >= 1024 ? `${(o.size / 1024).toFixed(0)} KB` : `${o.size} B`,
    ]);
    const head = ['mail', 'outcome', 'reason', 'ms', 'size'];
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const line = (r: string[]): string => r.map((v, c) => (c === 3 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join(' │ ');
    console.log(['', line(head), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map(line), `total ${batchMs.toFixed(0)} ms for ${rows.length} mails`].join('\n'));
  }, 120_000);

  afterAll(async () => {
    if (deps) await closeDb(deps.db);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the whole batch finishes in one sequence, nothing throws, one receipt per mail', () => {
    expect(observations.size).toBe(MAILS.length);
    const threw = [...observations.values()].filter((o) => o.threw).map((o) => `${o.mail.name}: ${o.threw}`);
    expect(threw).toEqual([]);
    const receiptCounts = [...observations.values()].filter((o) => o.receipts.length !== 1).map((o) => `${o.mail.name}: ${o.receipts.length} receipts`);
    expect(receiptCounts).toEqual([]);
    // The last mail is an ordinary one, fed after all the bad ones.
    expect(observations.get(MAILS.at(-1)!.name)?.result?.outcome).toBe('stored');
    expect(batchMs).toBeLessThan(60_000);
  });

  for (const mail of MAILS) {
    const e = mail.expect;
    it(`${mail.name} → ${e.outcome} (${mail.shows})`, () => {
      const o = observations.get(mail.name)!;
      expect(o.threw, 'receiveSafely must never throw').toBeUndefined();
      const r = o.result!;
      // Never skipped silently: exactly one receipt, telling the same story as the result.
      expect(o.receipts).toEqual([{ outcome: r.outcome, reason: r.reason }]);
      expect(r.reason.trim(), 'every outcome carries a reason').not.toBe('');

      if (r.outcome === 'quarantined') {
        expect(o.quarantine, 'one quarantine row, raw kept byte for byte').toEqual([{ reason: r.reason, rawIdentical: true }]);
      } else {
        expect(o.quarantine).toEqual([]);
      }
      expect(r.outcome, `outcome (reason: ${shortReason(r.reason)})`).toBe(e.outcome);
      if (e.reason) expect(r.reason, 'the reason names the problem').toMatch(e.reason);
      if (e.outcome !== 'stored') return;

      const s = o.stored;
      expect(s, `a message row for <${r.messageId}>`).toBeDefined();
      if (!s) return;
      // Soft: a case shows everything that is wrong with it, not only the first thing.
      const soft = expect.soft;
      if (e.subject !== undefined) soft(s.subject, 'subject').toBe(e.subject);
      if (e.fromAddress !== undefined) soft(s.fromAddress, 'From address').toBe(e.fromAddress);
      if (e.fromName !== undefined) soft(s.fromName, 'From display name').toBe(e.fromName);
      for (const text of e.bodyIncludes ?? []) soft(s.body, 'body').toContain(text);
      for (const text of e.bodyExcludes ?? []) soft(s.body, 'body').not.toContain(text);
      if (e.bodyEquals !== undefined) soft(s.body, 'body').toBe(e.bodyEquals);
      if (e.sentAt !== undefined) soft(s.sentAt, 'sent_at').toEqual(e.sentAt);
      if (e.messageId !== undefined) soft(s.messageId, 'Message-ID').toMatch(e.messageId);
      if (e.minTo !== undefined) soft(s.toCount, 'To addresses kept').toBeGreaterThanOrEqual(e.minTo);
      if (e.attachments !== undefined) {
        soft(s.attachments.map((a) => ({ filename: a.filename, size: a.size })), 'attachments').toEqual(e.attachments.map((a) => ({ filename: a.filename, size: a.size })));
        soft(s.attachments.filter((a) => !a.fileOk), 'attachment files in the store').toEqual([]);
      }
      if (e.sameTicketAs !== undefined) soft(s.ticketId, `same ticket as "${e.sameTicketAs}"`).toBe(observations.get(e.sameTicketAs)?.stored?.ticketId);
      // Sensible for a person, whatever the case: raw kept, a real sender, no NUL, no replacement
      // characters, text where the mail had text, and at most one acknowledgment, to the sender.
      soft(s.rawIdentical, 'the raw source is kept byte for byte').toBe(true);
      soft(s.fromAddress, 'the requester is a plausible address').toMatch(/^[^\s"<>(),;:@]+@[a-z0-9.-]+\.[a-z]{2,}$/);
      soft(s.body, 'body').not.toContain('\u0000');
      soft(s.body, 'body').not.toContain('\uFFFD');
      soft(s.subject, 'subject').not.toContain('\uFFFD');
      if (!e.emptyBodyOk) soft(s.body.trim(), 'body is empty').not.toBe('');
      soft(o.outbox.length, 'outgoing mails caused').toBeLessThanOrEqual(1);
      for (const to of o.outbox) soft(to, 'acknowledgment recipients').toEqual([s.fromAddress]);
    });
  }
});
