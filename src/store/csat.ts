import type { Queryable } from './db.js';

export interface CsatRow {
  ticket_id: number;
  surveyed_at: Date;
  survey_message_id: string | null;
  rating: number | null;
  comment: string | null;
  rated_by: string | null;
  rating_message_id: string | null;
  rated_at: Date | null;
}

/** A survey went out: the rating window starts now (a later survey, after a reopen, restarts it). */
export async function recordSurvey(q: Queryable, ticketId: number, messageId: string | undefined): Promise<void> {
  await q('csat_ratings')
    .insert({ ticket_id: ticketId, surveyed_at: q.fn.now(), survey_message_id: messageId ?? null })
    .onConflict('ticket_id')
    .merge(['surveyed_at', 'survey_message_id']);
}

export async function findCsat(q: Queryable, ticketId: number): Promise<CsatRow | undefined> {
  return q<CsatRow>('csat_ratings').where({ ticket_id: ticketId }).first();
}

export async function saveRating(q: Queryable, ticketId: number, r: { rating: number; comment: string | null; ratedBy: string; messageId: string }): Promise<void> {
  await q('csat_ratings').where({ ticket_id: ticketId }).update({ rating: r.rating, comment: r.comment, rated_by: r.ratedBy, rating_message_id: r.messageId, rated_at: q.fn.now() });
}
