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
