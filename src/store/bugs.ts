import type { Queryable } from './db.js';

export type BugStatus = 'filed' | 'linked' | 'open' | 'done';

export interface BugRow {
  id: number;
  ticket_id: number;
  tracker: string;
  key: string | null;
  summary: string;
  status: BugStatus;
  created_at: Date;
  updated_at: Date;
}

export async function insertBug(q: Queryable, b: { ticketId: number; tracker: string; key: string | null; summary: string; status: BugStatus }): Promise<BugRow> {
  const [row] = await q('ticket_bugs').insert({ ticket_id: b.ticketId, tracker: b.tracker, key: b.key, summary: b.summary, status: b.status }).returning('*');
  return row as BugRow;
}

export async function listBugs(q: Queryable, ticketId: number): Promise<BugRow[]> {
  return q<BugRow>('ticket_bugs').where({ ticket_id: ticketId }).orderBy('id');
}

/** Every ticket's bug row for one tracker item (the "known issue": several tickets, one key). */
export async function bugsByKey(q: Queryable, tracker: string, key: string): Promise<BugRow[]> {
  return q<BugRow>('ticket_bugs').where({ tracker }).whereRaw('upper(key) = ?', [key.toUpperCase()]).orderBy('id');
}

export async function setBugKey(q: Queryable, id: number, key: string): Promise<void> {
  await q('ticket_bugs').where({ id }).whereNull('key').update({ key, status: 'open', updated_at: q.fn.now() });
}

export async function setBugStatus(q: Queryable, id: number, status: BugStatus): Promise<void> {
  await q('ticket_bugs').where({ id }).update({ status, updated_at: q.fn.now() });
}

/** Records an incoming webhook's delivery id; false when it was seen before (a replay). */
export async function recordDelivery(q: Queryable, tracker: string, deliveryId: string): Promise<boolean> {
  const rows = await q('tracker_deliveries').insert({ tracker, delivery_id: deliveryId }).onConflict(['tracker', 'delivery_id']).ignore().returning('delivery_id');
  return rows.length > 0;
}
