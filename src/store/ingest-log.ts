import type { Decision } from '../mail/decision.js';
import type { Queryable } from './db.js';

export type ReceiptOutcome = 'stored' | 'duplicate' | 'dropped' | 'quarantined';

/** One row per inbound mail, whatever became of it: nothing is ever skipped silently. */
export async function addReceipt(
  q: Queryable,
  r: { mailbox: string; source: string; messageId: string | undefined; outcome: ReceiptOutcome; reason: string; ticketId: number | undefined; decisions: Decision[] },
): Promise<void> {
  await q('receipts').insert({
    mailbox: r.mailbox,
    source: r.source,
    message_id: r.messageId ?? null,
    outcome: r.outcome,
    reason: r.reason,
    ticket_id: r.ticketId ?? null,
    decisions: JSON.stringify(r.decisions),
  });
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

const COMMITTED_UID_INSERT = `INSERT INTO imap_committed_uids (mailbox, uid_validity, uid) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`;

/**
 * Records, inside the mail's transaction, that this UID is done. The checkpoint is not moved here:
 * mails of one window commit concurrently and out of order (see advanceCheckpointPast).
 */
export async function recordCommittedUid(q: Queryable, at: ImapUid): Promise<void> {
  await q.raw(COMMITTED_UID_INSERT, [at.mailbox, at.uidValidity, at.uid]);
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
export async function finishReceipt(
  q: Queryable,
  r: { mailbox: string; source: string; messageId: string | undefined; outcome: ReceiptOutcome; reason: string; ticketId: number | undefined; decisions: Decision[] },
  opts: { messageRowId?: number | undefined; committedUid?: ImapUid | undefined },
): Promise<void> {
  const decisions = JSON.stringify(r.decisions);
  const parts: string[] = [];
  const bindings: unknown[] = [];
  if (opts.messageRowId !== undefined) {
    parts.push('decided AS (UPDATE messages SET decisions = ?::jsonb WHERE id = ?)');
    bindings.push(decisions, opts.messageRowId);
  }
  const receipt = `INSERT INTO receipts (mailbox, source, message_id, outcome, reason, ticket_id, decisions) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)`;
  const receiptBindings = [r.mailbox, r.source, r.messageId ?? null, r.outcome, r.reason, r.ticketId ?? null, decisions];
  let main = receipt;
  if (opts.committedUid) {
    parts.push(`receipt AS (${receipt})`);
    bindings.push(...receiptBindings);
    main = COMMITTED_UID_INSERT;
    bindings.push(opts.committedUid.mailbox, opts.committedUid.uidValidity, opts.committedUid.uid);
  } else bindings.push(...receiptBindings);
  await q.raw(`${parts.length ? `WITH ${parts.join(', ')} ` : ''}${main}`, bindings as never[]);
}

export interface Checkpoint {
  uidValidity: number;
  lastUid: number;
}

export async function getCheckpoint(q: Queryable, mailbox: string): Promise<Checkpoint | undefined> {
  const row = (await q('mailbox_checkpoints').where({ mailbox }).first()) as { uid_validity: string | number; last_uid: string | number } | undefined;
  return row ? { uidValidity: Number(row.uid_validity), lastUid: Number(row.last_uid) } : undefined;
}

/**
 * Moves the checkpoint forward within the transaction that stored the message. A new
 * UIDVALIDITY replaces the old one (its UIDs mean nothing any more); within one UIDVALIDITY the
 * last UID never goes back.
 */
export async function advanceCheckpoint(q: Queryable, mailbox: string, uidValidity: number, uid: number): Promise<void> {
  await q.raw(
    `INSERT INTO mailbox_checkpoints (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, now())
     ON CONFLICT (mailbox) DO UPDATE SET
       last_uid = CASE WHEN mailbox_checkpoints.uid_validity = EXCLUDED.uid_validity
                       THEN GREATEST(mailbox_checkpoints.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
       uid_validity = EXCLUDED.uid_validity,
       updated_at = now()`,
    [mailbox, uidValidity, uid],
  );
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
