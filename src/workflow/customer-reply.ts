import { findAgentById, type AgentRow } from '../store/agents.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { addParticipant, saveTicketChanges, touchTicket, type TicketRow } from '../store/tickets.js';
import { statusAfterCustomerReply } from '../ticket/machine.js';
import { mailAgents, ticketVars, triagePeople, varsFor, type Person, type WorkflowDeps } from './notify.js';

/**
 * A customer's reply on a ticket: waiting_customer → in_progress, resolved/closed → reopened (the
 * history records it), and the assignee (or triage, when nobody owns it) gets the new text so they
 * can answer from their mail client.
 */
export async function onCustomerReply(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, from: { address: string; name: string | undefined }, body: string): Promise<number> {
  if (from.address !== ticket.requester_email) await addParticipant(tx, ticket.id, { email: from.address, name: from.name, role: 'cc' });
  let owned = ticket;
  if (ticket.assignee_id === null && (ticket.status === 'resolved' || ticket.status === 'closed')) {
    // Continuity: a reopened ticket goes back to the agent who last worked on it, when there is one.
    const last = await lastActingAgent(tx, ticket.id);
    if (last) {
      owned = { ...ticket, assignee_id: last.id };
      await addEvent(tx, ticket.id, 'assigned', 'system', { to: last.email, from: null, reason: 'reopened: back to the agent who last worked on it' });
    }
  }
  const next = statusAfterCustomerReply(ticket.status, owned.assignee_id !== null);
  if (next.status !== ticket.status) {
    await saveTicketChanges(tx, ticket, { status: next.status, priority: ticket.priority, category: ticket.category, tags: ticket.tags, assigneeId: owned.assignee_id, approved: ticket.approved, escalated: ticket.escalated, resolution: ticket.resolution });
    await addEvent(tx, ticket.id, next.reopened ? 'reopened' : 'status_changed', from.address, { from: ticket.status, to: next.status, by: 'customer' });
  } else {
    await touchTicket(tx, ticket.id);
  }
  const current: TicketRow = { ...owned, status: next.status };
  const assignee = current.assignee_id === null ? undefined : await findAgentById(tx, current.assignee_id);
  const people: Person[] = assignee ? [{ email: assignee.email, name: assignee.name }] : await triagePeople(tx, deps.config);
  const base = ticketVars(deps.config, current, assignee ? { name: assignee.name, email: assignee.email } : null, { message: { body, from: from.address } });
  return mailAgents(tx, deps, current, 'customer_replied', people, (p) => ({ ...base, agent: assignee ? { name: p.name, email: p.email } : null }));
}

/** A new ticket is announced to whoever triages, with the customer's words, ready for #approve / #assign. */
export async function announceNewTicket(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, body: string): Promise<number> {
  const people = await triagePeople(tx, deps.config);
  if (people.length === 0) return 0;
  const vars = await varsFor(tx, deps.config, ticket, { message: { body, from: ticket.requester_email } });
  return mailAgents(tx, deps, ticket, 'new_ticket', people, (p) => ({ ...vars, agent: { name: p.name, email: p.email } }));
}

/** The active agent who last acted on the ticket (their mail or command), for continuity. */
async function lastActingAgent(tx: Tx, ticketId: number): Promise<AgentRow | undefined> {
  return (await tx('events')
    .join('agents', 'agents.email', 'events.actor')
    .where({ 'events.ticket_id': ticketId, 'agents.active': true })
    .orderBy('events.id', 'desc')
    .first('agents.*')) as AgentRow | undefined;
}
