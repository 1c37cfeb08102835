import type { Knex } from 'knex';
import type { Queryable } from './db.js';

export type TicketStatus = 'new' | 'reviewing' | 'assigned' | 'in_progress' | 'waiting_customer' | 'waiting_third_party' | 'resolved' | 'closed';
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

export interface TicketRow {
  id: number;
  ref: string;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  category: string | null;
  tags: string[];
  requester_email: string;
  requester_name: string | null;
  assignee_id: number | null;
  language: string | null;
  approved: boolean;
  escalated: boolean;
  resolution: string | null;
  merged_into: string | null;
  follows_up: string | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  first_response_at: Date | null;
  last_customer_update_at: Date | null;
  sla_policy: string | null;
  team: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewTicket {
  subject: string;
  requesterEmail: string;
  requesterName: string | undefined;
  priority?: Priority;
  category?: string | null;
  tags?: string[];
  followsUp?: string;
  team?: string | null;
  slaPolicy?: string | null;
  /** The requester's language (src/mail/language.ts): picks locale variants of customer mail. */
  language?: string | null;
}

/** Inserts a ticket whose reference is PREFIX-id (the id drawn first, so the ref is known in the same statement). */
export async function insertTicket(q: Queryable, prefix: string, t: NewTicket): Promise<TicketRow> {
  // The ref carries the id: both from one nextval, in the insert's own statement (one round trip).
  const result = (await q.raw(
    `INSERT INTO tickets (id, ref, subject, requester_email, requester_name, priority, category, tags, follows_up, team, sla_policy, language)
     SELECT n.id, ? || '-' || n.id, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?
       FROM (SELECT nextval(pg_get_serial_sequence('tickets', 'id')) AS id) AS n
     RETURNING *`,
    [
      prefix,
      t.subject,
      t.requesterEmail,
      t.requesterName ?? null,
      t.priority ?? 'P3',
      t.category ?? null,
      JSON.stringify(t.tags ?? []),
      t.followsUp ?? null,
      t.team ?? null,
      t.slaPolicy ?? null,
      t.language ?? null,
    ],
  )) as { rows: TicketRow[] };
  return result.rows[0]!;
}

export async function findTicketByRef(q: Queryable, ref: string): Promise<TicketRow | undefined> {
  return q<TicketRow>('tickets').whereRaw('upper(ref) = ?', [ref.toUpperCase()]).first();
}

export async function findTicketById(q: Queryable, id: number): Promise<TicketRow | undefined> {
  return q<TicketRow>('tickets').where({ id }).first();
}

export async function listTickets(q: Queryable, filter: { status?: string } = {}): Promise<(TicketRow & { assignee_email: string | null })[]> {
  const query = q('tickets')
    .leftJoin('agents', 'agents.id', 'tickets.assignee_id')
    .select('tickets.*', 'agents.email as assignee_email')
    .orderBy('tickets.id');
  if (filter.status) query.where('tickets.status', filter.status);
  return query as unknown as Promise<(TicketRow & { assignee_email: string | null })[]>;
}

export async function touchTicket(q: Queryable, id: number): Promise<void> {
  await q('tickets').where({ id }).update({ updated_at: q.fn.now() });
}

export async function addParticipant(q: Queryable, ticketId: number, p: { email: string; name: string | undefined; role: 'requester' | 'cc' | 'agent' }): Promise<void> {
  await participantInsert(q, ticketId, p);
}

/** addParticipant's statement, not yet run: for writeTogether (src/store/together.ts). */
export function participantInsert(q: Queryable, ticketId: number, p: { email: string; name: string | undefined; role: 'requester' | 'cc' | 'agent' }): Knex.QueryBuilder {
  return q('participants').insert({ ticket_id: ticketId, email: p.email, name: p.name ?? null, role: p.role }).onConflict(['ticket_id', 'email']).ignore();
}

export async function listParticipants(q: Queryable, ticketId: number): Promise<{ email: string; name: string | null; role: string }[]> {
  return q('participants').where({ ticket_id: ticketId }).select('email', 'name', 'role').orderBy('email');
}

/** The fields commands may change; the timestamps of resolve/close follow the status. */
export interface TicketChanges {
  status: TicketStatus;
  priority: Priority;
  category: string | null;
  tags: string[];
  assigneeId: number | null;
  approved: boolean;
  escalated: boolean;
  resolution: string | null;
  mergedInto?: string | null;
}

export async function saveTicketChanges(q: Queryable, before: TicketRow, c: TicketChanges): Promise<void> {
  await q('tickets')
    .where({ id: before.id })
    .update({
      status: c.status,
      priority: c.priority,
      category: c.category,
      tags: JSON.stringify(c.tags),
      assignee_id: c.assigneeId,
      approved: c.approved,
      escalated: c.escalated,
      resolution: c.resolution,
      merged_into: c.mergedInto ?? before.merged_into,
      resolved_at: c.status === 'resolved' && before.status !== 'resolved' ? q.fn.now() : c.status === 'resolved' ? before.resolved_at : null,
      closed_at: c.status === 'closed' && before.status !== 'closed' ? q.fn.now() : c.status === 'closed' ? before.closed_at : null,
      updated_at: q.fn.now(),
    });
}

/** #merge: the source's messages and participants move to the target; the source keeps a pointer. */
export async function moveTicketContents(q: Queryable, sourceId: number, targetId: number): Promise<void> {
  await q('messages').where({ ticket_id: sourceId }).update({ ticket_id: targetId });
  await q.raw(
    `INSERT INTO participants (ticket_id, email, name, role)
     SELECT ?, email, name, CASE WHEN role = 'requester' THEN 'cc' ELSE role END FROM participants WHERE ticket_id = ?
     ON CONFLICT (ticket_id, email) DO NOTHING`,
    [targetId, sourceId],
  );
}
