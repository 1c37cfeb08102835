import type { Decision } from '../mail/decision.js';
import { isPermanentFailure, type BounceDetails } from '../mail/screen/bounce-details.js';
import type { MailKind } from '../mail/screen/index.js';
import { suppressRecipient } from '../outbox/brakes.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { touchTicket, type TicketRow } from '../store/tickets.js';

/** Days we stop mailing an address after a hard bounce, and after a spam complaint. */
export const BOUNCE_SUPPRESS_DAYS = 7;
export const COMPLAINT_SUPPRESS_DAYS = 90;

/**
 * A bounce or complaint about one of our mails, recorded on its ticket as a delivery failure; the
 * failing recipients are suppressed for a while so we stop mailing them (and never loop with a
 * mailer-daemon). The ticket's status does not change.
 */
export async function onDeliveryFailure(tx: Tx, ticket: TicketRow, kind: MailKind, bounce: BounceDetails, decisions: Decision[]): Promise<number> {
  const complaint = kind === 'feedback-report';
  const failed = bounce.recipients.filter((r) => complaint || isPermanentFailure(r));
  await addEvent(tx, ticket.id, complaint ? 'complaint' : 'delivery_failed', 'system', {
    recipients: bounce.recipients.map((r) => ({ address: r.address, status: r.status ?? null, reason: r.reason ?? null, action: r.action ?? null })),
    originalMessageId: bounce.originalMessageId ?? null,
  });
  for (const r of failed) {
    const days = complaint ? COMPLAINT_SUPPRESS_DAYS : BOUNCE_SUPPRESS_DAYS;
    await suppressRecipient(tx, r.address, complaint ? 'spam complaint (feedback report)' : `bounced${r.status ? ` ${r.status}` : ''}${r.reason ? `: ${r.reason}` : ''}`, days, ticket.id);
  }
  if (failed.length > 0) decisions.push({ stage: 'suppress', verdict: failed.map((r) => r.address).join(', '), reason: `no more automatic mail for ${complaint ? COMPLAINT_SUPPRESS_DAYS : BOUNCE_SUPPRESS_DAYS} days` });
  await touchTicket(tx, ticket.id);
  return 0;
}
