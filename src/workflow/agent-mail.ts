import type { Decision } from '../mail/decision.js';
import { NO_UPDATES, type TemplateVars } from '../outbox/context.js';
import { agentsWithLoad, type AgentRow } from '../store/agents.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { blockSender } from '../store/settings.js';
import { findTicketByRef, listParticipants, moveTicketContents, saveTicketChanges, type TicketRow } from '../store/tickets.js';
import { extractCommands, runCommands, VERBS, type AgentInfo, type CommandEffects, type TicketDraft } from '../ticket/commands/index.js';
import { leads, mailAgents, mailCustomer, varsFor, type WorkflowDeps } from './notify.js';
import { sendSurvey } from './csat.js';
import { fileBugs } from './bugs.js';
import { bugSteps } from '../ticket/commands/bug.js';

function draftOf(t: TicketRow): TicketDraft {
  return {
    id: t.id,
    ref: t.ref,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    category: t.category,
    tags: [...t.tags],
    assigneeId: t.assignee_id,
    requesterEmail: t.requester_email,
    approved: t.approved,
    escalated: t.escalated,
    resolution: t.resolution,
  };
}

function updatesFrom(effects: CommandEffects): TemplateVars['updates'] {
  const kinds = new Set(effects.notices.filter((n) => n.audience === 'requester').map((n) => n.kind));
  return {
    workBegun: kinds.has('work_begun'),
    waitingForYou: kinds.has('waiting_for_you'),
    escalated: kinds.has('escalated'),
    resolved: kinds.has('resolved'),
    closed: kinds.has('closed'),
    project: kinds.has('project'),
    merged: kinds.has('merged'),
  };
}

const STANDALONE: Record<string, string> = {
  work_begun: 'work_begun',
  waiting_for_you: 'waiting_for_you',
  escalated: 'escalated',
  resolved: 'resolved',
  closed: 'closed',
  project: 'project',
  merged: 'merged',
  reopened: 'reopened',
};

/**
 * An authenticated agent's mail on a ticket (RT CommandByMail's order: authenticate → parse →
 * apply all or nothing → reply). Commands and the changes they cause are written in the caller's
 * transaction; the agent's remaining text goes to the customer, signed with the agent's name,
 * unless #note keeps it internal. Nothing is sent to the customer when any command fails.
 */
export async function onAgentMail(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, agent: AgentRow, body: string, decisions: Decision[]): Promise<number> {
  const { commands, text } = extractCommands(body);
  const loads = await agentsWithLoad(tx);
  const agents: AgentInfo[] = loads.map((a) => ({ id: a.id, email: a.email, name: a.name, role: a.role, openTickets: a.open_tickets, awayUntil: a.away_until, awayNote: a.away_note }));
  const actor = agents.find((a) => a.id === agent.id)!;
  const targets = new Map<string, { id: number; ref: string; status: TicketRow['status'] }>();
  for (const c of commands.filter((c) => c.verb === 'merge')) {
    const t = await findTicketByRef(tx, c.args.trim().replace(/^\[|\]$/g, ''));
    if (t) targets.set(t.ref, { id: t.id, ref: t.ref, status: t.status });
  }
  const run = runCommands(draftOf(ticket), commands, { actor, agents, maxOpenPerAgent: deps.config.maxOpenPerAgent, tickets: targets, ticketPrefix: deps.config.ticketPrefix, tracker: deps.config.trackers?.default });
  const summary = run.results.map((r) => `${r.line} → ${r.ok ? '' : 'refused: '}${r.message}`).join('; ');
  let sent = 0;

  if (!run.applied) {
    decisions.push({ stage: 'commands', verdict: 'refused', reason: summary });
    await addEvent(tx, ticket.id, 'commands_refused', agent.email, { results: run.results });
    const vars = await varsFor(tx, deps.config, ticket, { agent: { name: agent.name, email: agent.email }, results: run.results, applied: false });
    return mailAgents(tx, deps, ticket, 'command_result', [agent], () => vars);
  }
  if (commands.length > 0) decisions.push({ stage: 'commands', verdict: 'applied', reason: summary });

  const e = run.effects;
  await saveTicketChanges(tx, ticket, { ...e.draft, mergedInto: e.mergeInto ?? null });
  for (const ev of e.events) await addEvent(tx, ticket.id, ev.type, agent.email, ev.data);
  if (e.mergeInto) {
    const target = targets.get(e.mergeInto)!;
    await moveTicketContents(tx, ticket.id, target.id);
    await addEvent(tx, target.id, 'merged_from', agent.email, { source: ticket.ref });
  }
  if (e.blockSender) await blockSender(tx, ticket.requester_email, `#spam on ${ticket.ref} by ${agent.email}`);
  if (e.bugs.length > 0) sent += await fileBugs(tx, deps, { ...ticket, status: e.draft.status, category: e.draft.category }, e.bugs, { agent: { name: agent.name, email: agent.email }, steps: bugSteps(body), decisions });
  const after: TicketRow = { ...ticket, status: e.draft.status, priority: e.draft.priority, category: e.draft.category, tags: e.draft.tags, assignee_id: e.draft.assigneeId, approved: e.draft.approved, escalated: e.draft.escalated, resolution: e.draft.resolution, merged_into: e.mergeInto ?? ticket.merged_into };
  const agentVars = { name: agent.name, email: agent.email };
  const requesterNotices = e.notices.filter((n) => n.audience === 'requester');
  const noteOf = (kind: string): string | null => e.notices.find((n) => n.kind === kind)?.note ?? null;

  if (!e.blockSender) {
    if (text.trim() !== '' && !e.internal) {
      const participants = await listParticipants(tx, ticket.id);
      const to = [ticket.requester_email, ...participants.filter((p) => p.role === 'cc').map((p) => p.email)];
      const vars = await varsFor(tx, deps.config, after, { agent: agentVars, message: { body: text, from: agent.email }, updates: updatesFrom(e), note: noteOf('resolved') ?? noteOf('project') ?? noteOf('merged') });
      sent += await mailCustomer(tx, deps, after, 'agent_reply', vars, { to: [...new Set(to)], fromName: `${agent.name} (${deps.config.helpdeskName})`, humanWritten: true });
      await addEvent(tx, ticket.id, 'replied', agent.email, { to });
      // The first human answer is the first response (SLA); every answer is a customer update (seed 001).
      await tx('tickets').where({ id: ticket.id }).update({ first_response_at: ticket.first_response_at ?? tx.fn.now(), last_customer_update_at: tx.fn.now() });
      decisions.push({ stage: 'notify', verdict: 'agent_reply', reason: `the agent's text sent to ${to.join(', ')}` });
    } else {
      for (const notice of requesterNotices) {
        const vars = await varsFor(tx, deps.config, after, { agent: agentVars, note: notice.note ?? null, updates: NO_UPDATES });
        sent += await mailCustomer(tx, deps, after, STANDALONE[notice.kind]!, vars);
      }
      if (requesterNotices.length > 0) await tx('tickets').where({ id: ticket.id }).update({ last_customer_update_at: tx.fn.now() });
      if (text.trim() !== '') decisions.push({ stage: 'notify', verdict: 'internal', reason: '#note: the text stays internal' });
    }
  }
  // #close (not #spam, #project or #merge) ends the ticket: the customer is asked how it went.
  if (!e.blockSender && e.draft.status === 'closed' && requesterNotices.some((n) => n.kind === 'closed')) sent += await sendSurvey(tx, deps, after);
  const assignedNotice = e.notices.some((n) => n.kind === 'assigned' && n.audience === 'assignee') && e.draft.assigneeId !== null;
  const leadNotice = e.notices.find((n) => n.audience === 'leads');
  // The customer's latest words, told to a new assignee and to the leads.
  const lastMessage = assignedNotice || leadNotice ? await lastInbound(tx, ticket.id) : null;
  if (assignedNotice) {
    const assignee = loads.find((a) => a.id === e.draft.assigneeId)!;
    const vars = await varsFor(tx, deps.config, after, { agent: { name: assignee.name, email: assignee.email }, message: lastMessage });
    sent += await mailAgents(tx, deps, after, 'assigned', [assignee], () => vars);
  }
  if (leadNotice) {
    const vars = await varsFor(tx, deps.config, after, { agent: agentVars, note: leadNotice.note ?? null, message: lastMessage });
    sent += await mailAgents(tx, deps, after, 'escalated_leads', (await leads(tx)).filter((l) => l.id !== agent.id), () => vars);
  }
  if (commands.length > 0) {
    const vars = await varsFor(tx, deps.config, after, {
      agent: agentVars,
      results: run.results,
      applied: true,
      warnings: e.warnings,
      verbs: e.help ? Object.values(VERBS).map((v) => v.usage) : null,
    });
    sent += await mailAgents(tx, deps, after, 'command_result', [agent], () => vars);
  }
  return sent;
}

/** The customer's latest mail on the ticket. */
async function lastInbound(tx: Tx, ticketId: number): Promise<TemplateVars['message']> {
  const last = (await tx('messages').where({ ticket_id: ticketId, direction: 'in' }).orderBy('id', 'desc').first('body', 'from_address')) as { body: string; from_address: string } | undefined;
  return last ? { body: last.body, from: last.from_address } : null;
}

/** A mail claiming to be an agent that could not be authenticated: nothing applied, the real agent told. */
export async function onForgedAgentMail(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, agent: AgentRow, mail: { subject: string; from: string }, reason: string): Promise<number> {
  await addEvent(tx, ticket.id, 'forged_agent_mail', mail.from, { agent: agent.email, reason });
  const vars = await varsFor(tx, deps.config, ticket, { agent: { name: agent.name, email: agent.email }, forged: { from: mail.from, subject: mail.subject, reason } });
  return mailAgents(tx, deps, ticket, 'forged_warning', [agent], () => vars);
}
