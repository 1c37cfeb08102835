import type { TimerKind } from '../ticket/sla.js';
import type { Queryable, Tx } from './db.js';

export interface TimerRow {
  id: number;
  ticket_id: number;
  kind: TimerKind;
  due_at: Date;
  fired_at: Date | null;
  data: Record<string, unknown>;
}

/**
 * Drops the ticket's pending timers and returns its fired ones, in one statement (the fired rows
 * are untouched by the delete, so the snapshot both parts see is the same).
 */
export async function clearPendingListFired(q: Queryable, ticketId: number): Promise<{ kind: TimerKind; fired_at: Date }[]> {
  const result = (await q.raw(
    `WITH cleared AS (DELETE FROM timers WHERE ticket_id = ? AND fired_at IS NULL)
     SELECT kind, fired_at FROM timers WHERE ticket_id = ? AND fired_at IS NOT NULL ORDER BY fired_at`,
    [ticketId, ticketId],
  )) as { rows: { kind: TimerKind; fired_at: Date }[] };
  return result.rows;
}

export async function insertTimers(q: Queryable, ticketId: number, planned: { kind: TimerKind; dueAt: Date }[]): Promise<void> {
  if (planned.length > 0) await q('timers').insert(planned.map((p) => ({ ticket_id: ticketId, kind: p.kind, due_at: p.dueAt })));
}

/**
 * Claims tickets with due timers inside the caller's transaction. The lock is the ticket row
 * (FOR UPDATE SKIP LOCKED): whoever changes a ticket's timers holds it first — the ingest
 * transaction too — so two gateways never fire, delete or reschedule the same ticket's timers at
 * once, and never deadlock on each other's timer rows.
 */
export async function claimTicketsWithDueTimers(tx: Tx, now: Date, limit: number): Promise<number[]> {
  const result = await tx.raw<{ rows: { id: number }[] }>(
    `SELECT t.id FROM tickets t
      WHERE EXISTS (SELECT 1 FROM timers WHERE timers.ticket_id = t.id AND timers.fired_at IS NULL AND timers.due_at <= ?)
      ORDER BY t.id LIMIT ? FOR UPDATE OF t SKIP LOCKED`,
    [now, limit],
  );
  return result.rows.map((r) => r.id);
}

/** The earliest due, unfired timer of a ticket whose row the caller holds. */
export async function nextDueTimer(tx: Tx, ticketId: number, now: Date): Promise<TimerRow | undefined> {
  return tx<TimerRow>('timers').where({ ticket_id: ticketId }).whereNull('fired_at').andWhere('due_at', '<=', now).orderBy([{ column: 'due_at' }, { column: 'id' }]).first();
}

/** The ticket row, locked: the lock that guards its timers (see claimTicketsWithDueTimers). */
export async function lockTicketRow<Row>(tx: Tx, ticketId: number): Promise<Row | undefined> {
  return (await tx('tickets').where({ id: ticketId }).forUpdate().first()) as Row | undefined;
}

export async function markTimerFired(tx: Tx, id: number, now: Date, data: Record<string, unknown>): Promise<void> {
  await tx('timers').where({ id }).update({ fired_at: now, data: JSON.stringify(data) });
}

export async function pendingTimers(q: Queryable, ticketId: number): Promise<TimerRow[]> {
  return q<TimerRow>('timers').where({ ticket_id: ticketId }).whereNull('fired_at').orderBy('due_at');
}
