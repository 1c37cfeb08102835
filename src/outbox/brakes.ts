import type { Queryable } from '../store/db.js';

/**
 * Outgoing brakes: the reasons an automatic mail must not go to a recipient. Peers loop with
 * auto-responders because they answer automation; we never send automatic mail to daemon or
 * no-reply addresses, to ourselves, to recipients that bounced or complained recently, nor more
 * often than Zammad's caps (10 per 10 minutes per ticket and recipient, 30 per recipient).
 */
export const RATE_WINDOW_MINUTES = 10;
export const CAP_PER_TICKET_RECIPIENT = 10;
export const CAP_PER_RECIPIENT = 30;

const AUTOMATED_LOCAL_PART = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|no-?reply|do-?not-?reply|donotreply|bounces?|auto-?reply|autoresponder|notifications?-?noreply)([+._-].*)?$/i;

/** Pure: one of our addresses, plus-addresses included (support+HD-1.token@…). */
export function isOwnAddress(address: string, ownAddresses: string[]): boolean {
  const a = address.toLowerCase();
  const local = a.slice(0, a.lastIndexOf('@'));
  const domain = a.slice(a.lastIndexOf('@') + 1);
  return ownAddresses.some((own) => {
    const ownLocal = own.slice(0, own.lastIndexOf('@'));
    return domain === own.slice(own.lastIndexOf('@') + 1) && (local === ownLocal || local.startsWith(`${ownLocal}+`));
  });
}

/** Pure: an address that no automatic mail should ever go to. */
export function automatedAddressReason(address: string, ownAddresses: string[]): string | undefined {
  if (isOwnAddress(address, ownAddresses)) return `${address} is our own address`;
  if (AUTOMATED_LOCAL_PART.test(address.slice(0, address.lastIndexOf('@')))) return `${address} is an automated (daemon or no-reply) address`;
  return undefined;
}

/** Why an automatic mail to `address` about `ticketId` must not be sent now, or undefined. */
export async function brakeReason(q: Queryable, address: string, ticketId: number | undefined, ownAddresses: string[]): Promise<string | undefined> {
  const fixed = automatedAddressReason(address, ownAddresses);
  if (fixed) return fixed;
  // One round trip for all three checks: this runs for every automatic mail, inside the mail's transaction.
  const result = await q.raw(
    `SELECT s.reason, s.until, c.total, c.per_ticket
       FROM (SELECT count(*) AS total, count(*) FILTER (WHERE ticket_id = ?) AS per_ticket
               FROM outbox
              WHERE created_at > now() - make_interval(mins => ?) AND to_addresses \\? ? AND headers \\? 'Auto-Submitted') c
       LEFT JOIN suppressed_recipients s ON s.email = ? AND s.until > now()`,
    [ticketId ?? null, RATE_WINDOW_MINUTES, address.toLowerCase(), address.toLowerCase()],
  );
  const row = (result as { rows: { reason: string | null; until: Date | null; total: string | number; per_ticket: string | number }[] }).rows[0]!;
  if (row.reason !== null && row.until !== null) return `${address} is suppressed until ${new Date(row.until).toISOString()}: ${row.reason}`;
  const total = Number(row.total);
  if (total >= CAP_PER_RECIPIENT) return `rate cap: ${total} automatic mails to ${address} in ${RATE_WINDOW_MINUTES} minutes`;
  const perTicket = Number(row.per_ticket);
  if (ticketId !== undefined && perTicket >= CAP_PER_TICKET_RECIPIENT) return `rate cap: ${perTicket} automatic mails to ${address} about this ticket in ${RATE_WINDOW_MINUTES} minutes`;
  return undefined;
}

/** After a hard bounce or a complaint: stop mailing the address for a while. */
export async function suppressRecipient(q: Queryable, address: string, reason: string, days: number, ticketId: number | undefined): Promise<void> {
  await q('suppressed_recipients')
    .insert({ email: address.toLowerCase(), reason, until: q.raw(`now() + make_interval(days => ?)`, [days]), ticket_id: ticketId ?? null })
    .onConflict('email')
    .merge(['reason', 'until', 'ticket_id', 'at']);
}
