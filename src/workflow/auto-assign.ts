import type { Decision } from '../mail/decision.js';
import { agentsWithLoad } from '../store/agents.js';
import { lastHandlerOf } from '../store/availability.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { saveTicketChanges, type TicketRow } from '../store/tickets.js';
import { chooseAssignee } from '../ticket/assignment.js';
import { statusAfterAssign } from '../ticket/machine.js';
import type { SlaSettings } from '../ticket/sla.js';
import { mailAgents, ticketVars, type WorkflowDeps } from './notify.js';

/**
 * Auto-assignment of a new ticket no rule assigned (the SLA file's assignment: section), in the
 * ingest transaction: the choice is pure (src/ticket/assignment.ts); here it is loaded, stored
 * with an 'assigned' event saying why, told to the new owner as #assign would, and written to
 * the mail's decision record — also when nobody fits, so triage can see why it is theirs.
 */
export async function autoAssign(tx: Tx, deps: WorkflowDeps & { sla: SlaSettings }, ticket: TicketRow, body: string, decisions: Decision[], now = new Date()): Promise<{ ticket: TicketRow; notifications: number }> {
  const settings = deps.sla.assignment;
  if (!settings.enabled || ticket.assignee_id !== null) return { ticket, notifications: 0 };
  const agents = await agentsWithLoad(tx);
  const choice = chooseAssignee(
    {
      category: ticket.category,
      team: ticket.team,
      lastHandlerId: settings.continuity ? await lastHandlerOf(tx, ticket.requester_email, ticket.id) : null,
      candidates: agents.map((a) => ({ id: a.id, email: a.email, role: a.role, skills: a.skills, openTickets: a.open_tickets, awayUntil: a.away_until ? new Date(a.away_until) : null })),
      cap: deps.config.maxOpenPerAgent,
      now,
    },
    settings,
  );
  if (!choice.agent) {
    decisions.push({ stage: 'assign', verdict: 'none', reason: choice.reason });
    return { ticket, notifications: 0 };
  }
  const agent = agents.find((a) => a.id === choice.agent.id)!;
  const next: TicketRow = { ...ticket, assignee_id: agent.id, status: statusAfterAssign(ticket.status) };
  await saveTicketChanges(tx, ticket, { status: next.status, priority: next.priority, category: next.category, tags: next.tags, assigneeId: agent.id, approved: next.approved, escalated: next.escalated, resolution: next.resolution });
  await addEvent(tx, ticket.id, 'assigned', 'system', { to: agent.email, from: null, auto: true, reason: choice.reason, openTickets: agent.open_tickets + 1 });
  decisions.push({ stage: 'assign', verdict: agent.email, reason: `auto-assigned: ${choice.reason}` });
  const assignee = { name: agent.name, email: agent.email };
  const vars = ticketVars(deps.config, next, assignee, { agent: assignee, message: { body, from: ticket.requester_email } });
  const notifications = await mailAgents(tx, deps, next, 'assigned', [agent], () => vars);
  return { ticket: next, notifications };
}
