import type { Queryable } from './db.js';
import type { TicketRow, TicketStatus } from './tickets.js';

/** Agent availability and the lookups auto-assignment needs. */

/** Marks an agent away; false when no such active agent. */
export async function setAgentAway(q: Queryable, email: string, until: Date, note: string | null): Promise<boolean> {
  const n = await q('agents').where({ email: email.toLowerCase(), active: true }).update({ away_until: until, away_note: note });
  return n > 0;
}

export async function clearAgentAway(q: Queryable, email: string): Promise<boolean> {
  const n = await q('agents').where({ email: email.toLowerCase(), active: true }).update({ away_until: null, away_note: null });
  return n > 0;
}

/** The agent's tickets in the given statuses, locked: the hand-back changes each of them. */
export async function ticketsHeldBy(q: Queryable, agentId: number, statuses: readonly TicketStatus[]): Promise<TicketRow[]> {
  return q<TicketRow>('tickets').where({ assignee_id: agentId }).whereIn('status', [...statuses]).orderBy('id').forUpdate();
}

/** Continuity: who owned this requester's most recently active other ticket (any status). */
export async function lastHandlerOf(q: Queryable, requesterEmail: string, exceptTicketId: number): Promise<number | null> {
  const row = (await q('tickets')
    .where({ requester_email: requesterEmail })
    .whereNot({ id: exceptTicketId })
    .whereNotNull('assignee_id')
    .orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .first('assignee_id')) as { assignee_id: number } | undefined;
  return row?.assignee_id ?? null;
}
