import type { Decision } from '../mail/decision.js';
import { commentFromText, csatAddressClaim, csatLinks, RATING_LABELS, ratingFromText, type Rating } from '../mail/csat.js';
import type { InboundMail } from '../mail/parse.js';
import type { IntakePlan } from '../ticket/intake.js';
import { findCsat, recordSurvey, saveRating } from '../store/csat.js';
import type { Queryable, Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { listParticipants, touchTicket, type TicketRow } from '../store/tickets.js';
import { leads, mailAgents, mailCustomer, queueCustomerMail, varsFor, type WorkflowDeps } from './notify.js';

/**
 * Customer satisfaction by mail (seed 003 step 11, seed 002 "collect customer feedback"): a survey
 * when a ticket closes, the customer's rating read from the signed link they click or a plain
 * reply, stored without reopening the ticket, thanked, and a low one raised with the leads.
 */

/** What an inbound mail claims as a rating; `valid` false means a bad signature. */
export interface CsatClaim {
  rating: Rating;
  comment: string | null;
  valid: boolean;
  via: 'signed link' | 'reply to the survey';
}

/** Queues the survey after a close (in the closing transaction); the brakes keep it from automated or suppressed addresses. */
export async function sendSurvey(tx: Tx, deps: WorkflowDeps, ticket: TicketRow): Promise<number> {
  const links = csatLinks(deps.config.helpdeskAddress, deps.secret, ticket.ref);
  const vars = await varsFor(tx, deps.config, ticket, { csat: { links, rating: null, label: null, comment: null, windowDays: deps.config.csatWindowDays } });
  const messageId = await queueCustomerMail(tx, deps, ticket, 'csat', vars);
  if (!messageId) return 0; // suppressed: no survey, so no rating window either
  await recordSurvey(tx, ticket.id, messageId);
  return 1;
}

/**
 * Is this customer mail a rating? A signed rating address decides (valid or forged); otherwise a
 * reply to the survey of a closed ticket whose first line is a rating. Anything else is an ordinary
 * reply (and reopens the ticket as usual).
 */
export async function csatClaim(q: Queryable, deps: Pick<WorkflowDeps, 'config' | 'secret'>, mail: InboundMail, ticket: TicketRow | undefined, body: string): Promise<CsatClaim | undefined> {
  if (!ticket) return undefined;
  const address = csatAddressClaim(mail.recipients, { helpdeskAddress: deps.config.helpdeskAddress, ticketPrefix: deps.config.ticketPrefix, secret: deps.secret });
  // A rating address is only ever a rating: one naming another ticket than the mail threaded to is not signed for this one.
  if (address) return { rating: address.rating, comment: commentFromText(body), valid: address.valid && address.ref === ticket.ref, via: 'signed link' };
  if (ticket.status !== 'closed') return undefined;
  const survey = await findCsat(q, ticket.id);
  const answered = [mail.inReplyTo, ...mail.references].filter((id): id is string => Boolean(id));
  if (!survey?.survey_message_id || !answered.includes(survey.survey_message_id)) return undefined;
  const parsed = ratingFromText(body);
  return parsed ? { ...parsed, valid: true, via: 'reply to the survey' } : undefined;
}

/**
 * A mail to a rating address whose ticket does not exist: dropped with the reason, never opened as
 * a new request (that would acknowledge a stale or forged link and count a request nobody made).
 */
export function orphanRating(mail: Pick<InboundMail, 'recipients'>, deps: Pick<WorkflowDeps, 'config' | 'secret'>, ticket: TicketRow | undefined): IntakePlan | undefined {
  if (ticket) return undefined;
  const address = csatAddressClaim(mail.recipients, { helpdeskAddress: deps.config.helpdeskAddress, ticketPrefix: deps.config.ticketPrefix, secret: deps.secret });
  if (!address) return undefined;
  const signature = address.valid ? 'signed by us' : 'with a bad signature';
  return { action: 'drop', reason: `a rating (survey link ${signature}) for ${address.ref}, which does not exist: dropped, no ticket opened` };
}

/** Pure: why a rating must be refused, or undefined to accept it. */
export function refusal(
  claim: CsatClaim,
  ticket: { status: string; requesterEmail: string },
  survey: { surveyedAt: Date } | undefined,
  opts: { from: string; participants: string[]; windowDays: number; now: Date },
): string | undefined {
  if (!claim.valid) return 'the rating address does not carry a valid signature for this ticket and rating';
  if (ticket.status !== 'closed') return `the ticket is ${ticket.status.replace(/_/g, ' ')}, not closed`;
  if (!survey) return 'no survey was sent for this ticket';
  const from = opts.from.toLowerCase();
  if (from !== ticket.requesterEmail.toLowerCase() && !opts.participants.includes(from)) return `${opts.from} is not the requester or a participant of the ticket`;
  const deadline = new Date(survey.surveyedAt.getTime() + opts.windowDays * 86_400_000);
  if (opts.now > deadline) return `the rating window closed on ${deadline.toISOString()} (CSAT_WINDOW_DAYS=${opts.windowDays})`;
  return undefined;
}

/** A rating mail on its ticket: stored (replacing an earlier one within the window) or refused; the ticket is never reopened. */
export async function onCsatMail(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, from: string, claim: CsatClaim, messageId: string, decisions: Decision[]): Promise<number> {
  await touchTicket(tx, ticket.id);
  const survey = await findCsat(tx, ticket.id);
  const participants = (await listParticipants(tx, ticket.id)).map((p) => p.email.toLowerCase());
  const why = refusal(claim, { status: ticket.status, requesterEmail: ticket.requester_email }, survey ? { surveyedAt: new Date(survey.surveyed_at) } : undefined, {
    from,
    participants,
    windowDays: deps.config.csatWindowDays,
    now: new Date(),
  });
  if (why) {
    decisions.push({ stage: 'csat', verdict: 'refused', reason: why });
    await addEvent(tx, ticket.id, 'csat_refused', from, { rating: claim.rating, via: claim.via, reason: why });
    return 0;
  }
  const replaced = survey?.rating ?? null;
  await saveRating(tx, ticket.id, { rating: claim.rating, comment: claim.comment, ratedBy: from, messageId });
  await addEvent(tx, ticket.id, 'csat_rated', from, { rating: claim.rating, comment: claim.comment, via: claim.via, ...(replaced !== null ? { replaced } : {}) });
  decisions.push({ stage: 'csat', verdict: `rated ${claim.rating}`, reason: `${claim.via}${replaced !== null ? `; replaces the earlier ${replaced}` : ''}; the ticket stays closed` });

  const csat = { links: [], rating: claim.rating, label: RATING_LABELS[claim.rating], comment: claim.comment, windowDays: deps.config.csatWindowDays };
  const vars = await varsFor(tx, deps.config, ticket, { csat });
  let sent = await mailCustomer(tx, deps, ticket, 'csat_thanks', vars);
  if (claim.rating <= 2) {
    const people = (await leads(tx)).map((l) => ({ email: l.email, name: l.name }));
    sent += await mailAgents(tx, deps, ticket, 'csat_low', people, (p) => ({ ...vars, agent: { name: p.name, email: p.email } }));
    decisions.push({ stage: 'notify', verdict: 'csat_low', reason: `a low rating: told ${people.length} lead(s)` });
  }
  return sent;
}
