import type { Config } from '../config.js';
import { agentReplyAddress } from '../mail/auth.js';
import { templateVars, type TemplateVars } from '../outbox/context.js';
import { enqueueNotification, type Sender } from '../outbox/enqueue.js';
import type { TemplateRenderer } from '../outbox/render.js';
import { findAgentById, type AgentRow } from '../store/agents.js';
import type { Queryable, Tx } from '../store/db.js';
import { humanStatus } from '../ticket/machine.js';
import type { TicketRow } from '../store/tickets.js';

/** What the workflow needs to send mail from inside a transaction. */
export interface WorkflowDeps {
  config: Config;
  renderer: TemplateRenderer;
  sender: Sender;
  secret: string;
}

export interface Person {
  email: string;
  name: string;
}

/** The template variables for a ticket, with the extras a notification adds. */
export async function varsFor(q: Queryable, config: Config, ticket: TicketRow, extra: Partial<TemplateVars> = {}): Promise<TemplateVars> {
  const assignee = ticket.assignee_id === null ? undefined : await findAgentById(q, ticket.assignee_id);
  return ticketVars(config, ticket, assignee ? { name: assignee.name, email: assignee.email } : null, extra);
}

/** varsFor() when the assignee is already known (null: none), so nothing is looked up. */
export function ticketVars(config: Config, ticket: TicketRow, assignee: TemplateVars['ticket']['assignee'], extra: Partial<TemplateVars> = {}): TemplateVars {
  return templateVars({
    helpdesk: { name: config.helpdeskName, address: config.helpdeskAddress },
    ticket: {
      ref: ticket.ref,
      subject: ticket.subject,
      status: ticket.status,
      statusText: humanStatus(ticket.status),
      priority: ticket.priority,
      category: ticket.category,
      tags: ticket.tags,
      assignee,
      resolution: ticket.resolution,
      mergedInto: ticket.merged_into,
    },
    requester: { email: ticket.requester_email, name: ticket.requester_name },
    verifyWindowHours: config.verifyWindowHours,
    sizeLimitMb: Math.round(config.maxMessageBytes / (1024 * 1024)),
    ...extra,
  });
}

/** A stable per-ticket root, so every mail about a ticket threads together in an agent's client. */
export function ticketRoot(sender: Sender, ref: string): string {
  return `${ref}@${sender.helpdeskAddress.slice(sender.helpdeskAddress.lastIndexOf('@') + 1)}`;
}

/** The customer's latest message on the ticket: what a mail to them answers (threads it in their client). */
export async function customerThread(tx: Queryable, ticketId: number): Promise<{ inReplyTo: string | undefined; references: string[] }> {
  const last = (await tx('messages').where({ ticket_id: ticketId, direction: 'in', suspicious: false }).orderBy('id', 'desc').first('message_id', 'references')) as
    | { message_id: string; references: string[] }
    | undefined;
  return last ? { inReplyTo: last.message_id, references: last.references } : { inReplyTo: undefined, references: [] };
}

/** A mail to the customer (and, for replies, the other participants in copy); returns mails queued (0 or 1). */
export async function mailCustomer(...args: Parameters<typeof queueCustomerMail>): Promise<number> {
  return (await queueCustomerMail(...args)) ? 1 : 0;
}

/** mailCustomer() returning the queued mail's Message-ID (undefined when the brakes suppressed it). */
export async function queueCustomerMail(
  tx: Tx,
  deps: WorkflowDeps,
  ticket: TicketRow,
  kind: string,
  vars: TemplateVars,
  opts: { to?: string[]; fromName?: string; humanWritten?: boolean } = {},
): Promise<string | undefined> {
  const thread = await customerThread(tx, ticket.id);
  return enqueueNotification(tx, deps.renderer, deps.sender, {
    kind,
    to: opts.to ?? [ticket.requester_email],
    ticket,
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    context: vars as unknown as Record<string, unknown>,
    autoSubmitted: opts.humanWritten ? undefined : thread.inReplyTo ? 'auto-replied' : 'auto-generated',
    storeOnTicket: true,
    fromName: opts.fromName,
  });
}

/** One mail per agent, each with a reply address signed for that agent and ticket. */
export async function mailAgents(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, kind: string, people: Person[], vars: (p: Person) => TemplateVars): Promise<number> {
  const seen = new Set<string>();
  let count = 0;
  for (const person of people) {
    const email = person.email.toLowerCase();
    if (seen.has(email) || email === deps.config.helpdeskAddress) continue;
    seen.add(email);
    const id = await enqueueNotification(tx, deps.renderer, deps.sender, {
      kind,
      to: [email],
      ticket,
      inReplyTo: undefined,
      references: [ticketRoot(deps.sender, ticket.ref)],
      context: vars(person) as unknown as Record<string, unknown>,
      autoSubmitted: 'auto-generated',
      storeOnTicket: false,
      replyTo: agentReplyAddress(deps.config.helpdeskAddress, deps.secret, ticket.ref, email),
    });
    if (id) count++;
  }
  return count;
}

export async function leads(q: Queryable): Promise<AgentRow[]> {
  return q<AgentRow>('agents').where({ active: true, role: 'lead' }).orderBy('email');
}

/** Who triages: the configured triage address, else the leads (seed 002: a dedicated support role). */
export async function triagePeople(q: Queryable, config: Config): Promise<Person[]> {
  if (config.triageAddress) return [{ email: config.triageAddress, name: 'Triage' }];
  return (await leads(q)).map((a) => ({ email: a.email, name: a.name }));
}
