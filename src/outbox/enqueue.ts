import { randomUUID } from 'node:crypto';
import { LOOP_HEADER } from '../mail/screen/index.js';
import type { Tx } from '../store/db.js';
import { addEvent, eventInsert } from '../store/events.js';
import { messageInsert } from '../store/messages.js';
import { outboxInsert } from '../store/outbox.js';
import { writeTogether } from '../store/together.js';
import type { TicketRow } from '../store/tickets.js';
import type { TemplateContext, TemplateRenderer } from './render.js';
import { brakeReason, isOwnAddress } from './brakes.js';
import { NOTIFICATIONS } from './template-vars.js';

export interface Sender {
  helpdeskAddress: string;
  helpdeskName: string;
  mailbox: string;
  loopToken: string;
}

/** One notification the core decided to send: which template, to whom, threaded under what. */
export interface Notification {
  kind: string;
  to: string[];
  ticket: TicketRow;
  /** The Message-ID this mail answers (threads it in the recipient's client). */
  inReplyTo: string | undefined;
  references: string[];
  context: TemplateContext;
  /** RFC 3834: auto-replied for answers to a person's mail, auto-generated for the rest; absent when a person wrote it. */
  autoSubmitted: 'auto-replied' | 'auto-generated' | undefined;
  /** Where replies should go; the helpdesk address when absent (agents get their signed address). */
  replyTo?: string;
  /** Display name on From, e.g. "Ann Agent (Support)"; the helpdesk name when absent. */
  fromName?: string;
  /** Customer-visible mail is also stored on the ticket as an outgoing message. */
  storeOnTicket: boolean;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** `HD-42.resolved.UUID@domain`: fixed when queued, so a resend after a crash carries the same one. */
export function outgoingMessageId(sender: Sender, ref: string, kind: string): string {
  return `${ref}.${kind}.${randomUUID()}@${domainOf(sender.helpdeskAddress)}`;
}

/**
 * The headers every notification carries (threading, RFC 3834 Auto-Submitted, Exchange's
 * auto-reply suppression, our loop token and ticket); `templates preview --eml` uses the same.
 */
export function outgoingHeaders(sender: Sender, n: Pick<Notification, 'replyTo' | 'autoSubmitted' | 'inReplyTo' | 'references'> & { ticket: Pick<TicketRow, 'ref'> }): { headers: Record<string, string>; references: string[] } {
  const references = [...n.references];
  if (n.inReplyTo && !references.includes(n.inReplyTo)) references.push(n.inReplyTo);
  const headers: Record<string, string> = {
    'Reply-To': n.replyTo ?? sender.helpdeskAddress,
    ...(n.autoSubmitted ? { 'Auto-Submitted': n.autoSubmitted } : {}),
    'X-Auto-Response-Suppress': 'All',
    [LOOP_HEADER]: sender.loopToken,
    'X-Deskmail-Ticket': n.ticket.ref,
  };
  if (n.inReplyTo) headers['In-Reply-To'] = `<${n.inReplyTo}>`;
  if (references.length > 0) headers['References'] = references.slice(-20).map((r) => `<${r}>`).join(' ');
  return { headers, references };
}

/**
 * Renders the notification and writes it to the outbox inside the caller's transaction, so a
 * state change and the mail it causes commit together or not at all. The Message-ID is fixed
 * here: a resend after a crash carries the same one, and receivers can recognise it.
 */
export async function enqueueNotification(tx: Tx, renderer: TemplateRenderer, sender: Sender, n: Notification): Promise<string | undefined> {
  // Brakes first: automatic mail never goes to automation, to ourselves, to suppressed addresses or past the caps.
  const to: string[] = [];
  for (const address of n.to) {
    const reason = n.autoSubmitted
      ? await brakeReason(tx, address, n.ticket.id, [sender.helpdeskAddress])
      : isOwnAddress(address, [sender.helpdeskAddress])
        ? `${address} is our own address`
        : undefined;
    if (reason) await addEvent(tx, n.ticket.id, 'notification_suppressed', 'system', { kind: n.kind, to: address, reason });
    else to.push(address);
  }
  if (to.length === 0) return undefined;
  n = { ...n, to };
  // Customer mail in the requester's language when a variant exists (resolved.de); agents get the default.
  const rendered = renderer.render(n.kind, n.context, NOTIFICATIONS[n.kind]?.audience === 'customer' ? n.ticket.language : undefined);
  const messageId = outgoingMessageId(sender, n.ticket.ref, n.kind);
  const { headers, references } = outgoingHeaders(sender, n);

  // The outbox row, its copy on the ticket and the event: one statement (one round trip).
  await writeTogether(tx, [
    outboxInsert(tx, {
      ticketId: n.ticket.id,
      kind: n.kind,
      messageId,
      fromAddress: sender.helpdeskAddress,
      fromName: n.fromName,
      to: n.to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers,
    }),
    n.storeOnTicket
      ? messageInsert(tx, {
          ticketId: n.ticket.id,
          mailbox: sender.mailbox,
          messageId,
          direction: 'out',
          fromAddress: sender.helpdeskAddress,
          fromName: n.fromName ?? sender.helpdeskName,
          to: n.to,
          cc: [],
          subject: rendered.subject,
          body: rendered.text,
          bodyHtml: undefined,
          inReplyTo: n.inReplyTo,
          references,
          raw: undefined,
          decisions: [],
          sentAt: undefined,
        })
      : undefined,
    eventInsert(tx, n.ticket.id, 'notification_queued', 'system', { kind: n.kind, to: n.to, messageId }),
  ]);
  return messageId;
}
