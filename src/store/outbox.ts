import type { Knex } from 'knex';
import type { Queryable } from './db.js';

export interface OutboxRow {
  id: number;
  ticket_id: number | null;
  kind: string;
  message_id: string;
  from_address: string;
  from_name: string | null;
  to_addresses: string[];
  subject: string;
  text_body: string;
  html_body: string | null;
  headers: Record<string, string>;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
}

export interface NewOutboxMail {
  ticketId: number | undefined;
  kind: string;
  messageId: string;
  fromAddress: string;
  fromName?: string | undefined;
  to: string[];
  subject: string;
  text: string;
  html: string | undefined;
  headers: Record<string, string>;
}

/** Written in the same transaction as the change that causes the mail. */
export async function insertOutbox(q: Queryable, m: NewOutboxMail): Promise<number> {
  const [row] = await outboxInsert(q, m).returning('id');
  return (row as { id: number }).id;
}

/** insertOutbox's statement, not yet run (and without RETURNING): for writeTogether (src/store/together.ts). */
export function outboxInsert(q: Queryable, m: NewOutboxMail): Knex.QueryBuilder {
  return q('outbox')
    .insert({
      ticket_id: m.ticketId ?? null,
      kind: m.kind,
      message_id: m.messageId,
      from_address: m.fromAddress,
      from_name: m.fromName ?? null,
      to_addresses: JSON.stringify(m.to),
      subject: m.subject,
      text_body: m.text,
      html_body: m.html ?? null,
      headers: JSON.stringify(m.headers),
    });
}

/**
 * Claims due rows for `leaseSeconds` (graphile-worker style): FOR UPDATE SKIP LOCKED lets several
 * senders share the outbox without sending a row twice; a sender that dies lets its lease expire.
 */
export async function claimDueOutbox(q: Queryable, limit: number, leaseSeconds: number): Promise<OutboxRow[]> {
  const result = await q.raw<{ rows: OutboxRow[] }>(
    `UPDATE outbox SET locked_until = now() + make_interval(secs => ?), attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM outbox
         WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
         ORDER BY id
         LIMIT ?
         FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [leaseSeconds, limit],
  );
  return result.rows.sort((a, b) => a.id - b.id);
}

export async function markOutboxSent(q: Queryable, id: number): Promise<void> {
  await q('outbox').where({ id }).update({ status: 'sent', sent_at: q.fn.now(), locked_until: null, last_error: null });
}

export async function markOutboxRetry(q: Queryable, id: number, error: string, delaySeconds: number): Promise<void> {
  await q('outbox')
    .where({ id })
    .update({ locked_until: null, last_error: error, next_attempt_at: q.raw(`now() + make_interval(secs => ?)`, [delaySeconds]) });
}

export async function markOutboxFailed(q: Queryable, id: number, error: string): Promise<void> {
  await q('outbox').where({ id }).update({ status: 'failed', locked_until: null, last_error: error });
}

export async function outboxStats(q: Queryable): Promise<{ pending: number; sent: number; failed: number }> {
  const rows = (await q('outbox').select('status').count<{ status: string; count: string | number }[]>('id as count').groupBy('status')) as { status: string; count: string | number }[];
  const get = (s: string): number => Number(rows.find((r) => r.status === s)?.count ?? 0);
  return { pending: get('pending'), sent: get('sent'), failed: get('failed') };
}

export async function listOutbox(q: Queryable, filter: { ticketId?: number } = {}): Promise<OutboxRow[]> {
  const query = q<OutboxRow>('outbox').orderBy('id');
  if (filter.ticketId !== undefined) query.where({ ticket_id: filter.ticketId });
  return query;
}
