import type { Queryable } from './db.js';
import type { TicketStatus } from './tickets.js';

export interface HandedBack {
  ref: string;
  status: TicketStatus;
  /** Who holds it now (null: still in the queue). */
  assignee: string | null;
}

/**
 * The tickets handed back under one away mark: the 'released' events the hand-back wrote
 * (reason away, from the agent, the mark's date), with where each ticket is now.
 */
export async function handedBackUnder(q: Queryable, agentEmail: string, until: Date): Promise<HandedBack[]> {
  const rows = (await q('events')
    .join('tickets', 'tickets.id', 'events.ticket_id')
    .leftJoin('agents', 'agents.id', 'tickets.assignee_id')
    .where('events.type', 'released')
    .where('events.actor', 'system')
    .whereRaw("events.data->>'reason' = 'away'")
    .whereRaw("events.data->>'from' = ?", [agentEmail.toLowerCase()])
    .whereRaw("events.data->>'until' = ?", [until.toISOString()])
    .orderBy('events.id')
    .select('tickets.ref', 'tickets.status', 'agents.email as assignee')) as HandedBack[];
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.ref) && seen.add(r.ref));
}
