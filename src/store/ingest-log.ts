import type { Knex } from 'knex';
import type { Decision } from '../mail/decision.js';
import type { Queryable } from './db.js';
import { writeTogether } from './together.js';

export type ReceiptOutcome = 'stored' | 'duplicate' | 'dropped' | 'quarantined';

export interface Receipt {
  mailbox: string;
  source: string;
  messageId: string | undefined;
  outcome: ReceiptOutcome;
  reason: string;
  ticketId: number | undefined;
  decisions: Decision[];
}

function receiptInsert(q: Queryable, r: Receipt): Knex.QueryBuilder {
  return q('receipts').insert({
    mailbox: r.mailbox,
    source: r.source,
    message_id: r.messageId ?? null,
    outcome: r.outcome,
    reason: r.reason,
    ticket_id: r.ticketId ?? null,
    decisions: JSON.stringify(r.decisions),
  });
}

/** One row per inbound mail, whatever became of it: nothing is ever skipped silently. */
export async function addReceipt(q: Queryable, r: Receipt): Promise<void> {
  await receiptInsert(q, r);
}

export async function addQuarantine(q: Queryable, r: { mailbox: string; source: string; reason: string; raw: Buffer }): Promise<number> {
  const [row] = await q('quarantine').insert({ mailbox: r.mailbox, source: r.source, reason: r.reason, raw: r.raw }).returning('id');
  return (row as { id: number }).id;
}

const CHECKPOINT_UPSERT = `INSERT INTO mailbox_checkpoints (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, now())
     ON CONFLICT (mailbox) DO UPDATE SET
       last_uid = CASE WHEN mailbox_checkpoints.uid_validity = EXCLUDED.uid_validity
                       THEN GREATEST(mailbox_checkpoints.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
       uid_validity = EXCLUDED.uid_validity,
       updated_at = now()`;

/** An IMAP mail's UID, written by the transaction that stored (or dropped, or quarantined) it. */
export interface ImapUid {
  mailbox: string;
  uidValidity: number;
  uid: number;
}

function committedUidInsert(q: Queryable, at: ImapUid): Knex.QueryBuilder {
  return q('imap_committed_uids').insert({ mailbox: at.mailbox, uid_validity: at.uidValidity, uid: at.uid }).onConflict().ignore();
}

/**
 * Records, inside the mail's transaction, that this UID is done. The checkpoint is not moved here:
 * mails of one window commit concurrently and out of order (see advanceCheckpointPast).
 */
export async function recordCommittedUid(q: Queryable, at: ImapUid): Promise<void> {
  await committedUidInsert(q, at);
}

/** Which of these UIDs were already committed (by a run that crashed before moving the checkpoint). */
export async function committedUids(q: Queryable, mailbox: string, uidValidity: number, uids: number[]): Promise<Set<number>> {
  if (uids.length === 0) return new Set();
  const rows = (await q('imap_committed_uids').where({ mailbox, uid_validity: uidValidity }).whereIn('uid', uids).select('uid')) as { uid: string | number }[];
  return new Set(rows.map((r) => Number(r.uid)));
}

/**
 * Moves the checkpoint to `uid` (every UID up to it committed) and forgets the per-UID rows it now
 * covers, and those of an older UIDVALIDITY, in one statement.
 */
export async function advanceCheckpointPast(q: Queryable, mailbox: string, uidValidity: number, uid: number): Promise<void> {
  await q.raw(`WITH forgotten AS (DELETE FROM imap_committed_uids WHERE mailbox = ? AND (uid_validity <> ? OR uid <= ?)) ${CHECKPOINT_UPSERT}`, [
    mailbox,
    uidValidity,
    uid,
    mailbox,
    uidValidity,
    uid,
  ]);
}

/**
 * The last write of an inbound mail, as ONE statement (each statement is a round trip inside the
 * mail's transaction): the stored message's final decision record, the receipt and, for IMAP, the
 * mail's committed UID — the same rows addReceipt and recordCommittedUid write.
 */
export async function finishReceipt(q: Queryable, r: Receipt, opts: { messageRowId?: number | undefined; committedUid?: ImapUid | undefined }): Promise<void> {
  await writeTogether(q, [
    opts.messageRowId === undefined ? undefined : q('messages').where({ id: opts.messageRowId }).update({ decisions: JSON.stringify(r.decisions) }),
    receiptInsert(q, r),
    opts.committedUid ? committedUidInsert(q, opts.committedUid) : undefined,
  ]);
}

export interface Checkpoint {
  uidValidity: number;
  lastUid: number;
}

export async function getCheckpoint(q: Queryable, mailbox: string): Promise<Checkpoint | undefined> {
  const row = (await q('mailbox_checkpoints').where({ mailbox }).first()) as { uid_validity: string | number; last_uid: string | number } | undefined;
  return row ? { uidValidity: Number(row.uid_validity), lastUid: Number(row.last_uid) } : undefined;
}

export interface QuarantineRow {
  id: number;
  mailbox: string;
  source: string;
  reason: string;
  raw: Buffer | Uint8Array;
  status: 'held' | 'retried';
  at: Date;
}

export async function listQuarantine(q: Queryable, opts: { all?: boolean } = {}): Promise<Omit<QuarantineRow, 'raw'>[]> {
  const query = q('quarantine').select('id', 'mailbox', 'source', 'reason', 'status', 'at').orderBy('id');
  if (!opts.all) query.where({ status: 'held' });
  return query as unknown as Promise<Omit<QuarantineRow, 'raw'>[]>;
}

export async function getQuarantine(q: Queryable, id: number): Promise<QuarantineRow | undefined> {
  return q<QuarantineRow>('quarantine').where({ id }).first();
}

export async function markQuarantineRetried(q: Queryable, id: number): Promise<void> {
  await q('quarantine').where({ id }).update({ status: 'retried' });
}
