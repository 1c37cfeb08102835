import type { Queryable } from '../store/db.js';
import type { ReportInput } from './kpis.js';

/** The rows the KPIs are computed from; plain SQL, the computation is in kpis.ts. */
export async function loadReportInput(q: Queryable, since: Date, now: Date): Promise<ReportInput> {
  const tickets = (await q('tickets')
    .leftJoin('agents', 'agents.id', 'tickets.assignee_id')
    .select('tickets.ref', 'tickets.subject', 'tickets.status', 'tickets.priority', 'tickets.category', 'tickets.tags', 'agents.email as assignee', 'tickets.created_at', 'tickets.first_response_at', 'tickets.resolution')
    .orderBy('tickets.id')) as {
    ref: string;
    subject: string;
    status: string;
    priority: string;
    category: string | null;
    tags: string[];
    assignee: string | null;
    created_at: Date;
    first_response_at: Date | null;
    resolution: string | null;
  }[];
  // Only the event types the KPIs read: the audit log also holds every notification queued.
  const events = (await q('events')
    .join('tickets', 'tickets.id', 'events.ticket_id')
    .whereIn('events.type', ['resolved', 'closed', 'reopened', 'escalated', 'replied', 'message_received', 'sla_breached', 'merged_into', 'project', 'spam', 'kb_candidate'])
    .select('tickets.ref', 'events.type', 'events.actor', 'events.at', 'events.data')
    .orderBy('events.id')) as { ref: string; type: string; actor: string; at: Date; data: Record<string, unknown> }[];
  const ratings = (await q('csat_ratings')
    .join('tickets', 'tickets.id', 'csat_ratings.ticket_id')
    .whereNotNull('csat_ratings.rating')
    .select('tickets.ref', 'csat_ratings.rating', 'csat_ratings.rated_at')) as { ref: string; rating: number; rated_at: Date }[];
  const surveys = (await q('csat_ratings').whereBetween('surveyed_at', [since, now]).count<{ count: string | number }[]>('ticket_id as count'))[0];
  const agents = (await q('agents').where({ active: true }).orderBy('email').select('email', 'name')) as { email: string; name: string }[];
  return {
    since,
    now,
    tickets: tickets.map((t) => ({
      ref: t.ref,
      subject: t.subject,
      status: t.status,
      priority: t.priority,
      category: t.category,
      tags: t.tags,
      assignee: t.assignee,
      createdAt: new Date(t.created_at),
      firstResponseAt: t.first_response_at ? new Date(t.first_response_at) : null,
      resolution: t.resolution,
    })),
    events: events.map((e) => ({ ref: e.ref, type: e.type, actor: e.actor, at: new Date(e.at), data: e.data })),
    ratings: ratings.map((r) => ({ ref: r.ref, rating: Number(r.rating), ratedAt: new Date(r.rated_at) })),
    surveysSent: Number(surveys?.count ?? 0),
    agents,
  };
}
