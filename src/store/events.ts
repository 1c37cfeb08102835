import type { Knex } from 'knex';
import type { Queryable } from './db.js';

export interface EventRow {
  id: number;
  ticket_id: number;
  type: string;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
}

/** The audit log: everything that happens to a ticket, with who and when. */
export async function addEvent(q: Queryable, ticketId: number, type: string, actor: string, data: Record<string, unknown> = {}): Promise<void> {
  await eventInsert(q, ticketId, type, actor, data);
}

/** addEvent's statement, not yet run: for writeTogether (src/store/together.ts). */
export function eventInsert(q: Queryable, ticketId: number, type: string, actor: string, data: Record<string, unknown> = {}): Knex.QueryBuilder {
  return q('events').insert({ ticket_id: ticketId, type, actor, data: JSON.stringify(data) });
}

export async function listEvents(q: Queryable, ticketId: number): Promise<EventRow[]> {
  return q<EventRow>('events').where({ ticket_id: ticketId }).orderBy('id');
}
