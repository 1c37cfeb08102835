import type { Queryable } from '../store/db.js';
import type { TicketSummary } from '../ticket/summary.js';
import type { EventFact, ReportInput } from './kpis.js';

/** The rows the KPIs are computed from; plain SQL, the computation is in kpis.ts. */
export async function loadReportInput(q: Queryable, since: Date, now: Date): Promise<ReportInput> {
  const tickets = (await q('tickets')
    .leftJoin('agents', 'agents.id', 'tickets.assignee_id')
    .select('tickets.ref', 'tickets.subject', 'tickets.status', 'tickets.priority', 'tickets.category', 'tickets.tags', 'agents.email as assignee', 'tickets.created_at', 'tickets.first_response_at', 'tickets.resolution')
    .orderBy('tickets.id')) as (TicketSummary & { created_at: Date; first_response_at: Date | null; resolution: string | null })[];
  // Only the event types the KPIs read: the audit log also holds every notification queued.
  const events = (await q('events')
    .join('tickets', 'tickets.id', 'events.ticket_id')
    .whereIn('events.type', ['resolved', 'closed', 'reopened', 'escalated', 'replied', 'message_received', 'sla_breached', 'merged_into', 'project', 'spam', 'kb_candidate'])
    .select('tickets.ref', 'events.type', 'events.actor', 'events.at', 'events.data')
    .orderBy('events.id')) as EventFact[];
  const ratings = (await q('csat_ratings')
    .join('tickets', 'tickets.id', 'csat_ratings.ticket_id')
    .whereNotNull('csat_ratings.rating')
    .select('tickets.ref', 'csat_ratings.rating', 'csat_ratings.rated_at')) as { ref: string; rating: number; rated_at: Date }[];
  const surveys = (await q('csat_ratings').whereBetween('surveyed_at', [since, now]).count<{ count: string | number }[]>('ticket_id as count'))[0];
  const agents = (await q('agents').where({ active: true }).orderBy('email').select('email', 'name')) as { email: string; name: string }[];
  return {
    since,
    now,
    tickets: tickets.map(({ created_at, first_response_at, ...t }) => ({
      ...t,
      createdAt: new Date(created_at),
      firstResponseAt: first_response_at ? new Date(first_response_at) : null,
    })),
    // Timestamps as Dates, whichever form the driver hands back.
    events: events.map((e) => ({ ...e, at: new Date(e.at) })),
    ratings: ratings.map((r) => ({ ref: r.ref, rating: Number(r.rating), ratedAt: new Date(r.rated_at) })),
    surveysSent: Number(surveys?.count ?? 0),
    agents,
  };
}
