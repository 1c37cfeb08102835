import type { Decision } from '../mail/decision.js';
import { NO_UPDATES } from '../outbox/context.js';
import { findAgentByEmail } from '../store/agents.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { saveTicketChanges, type TicketRow } from '../store/tickets.js';
import { findNearDuplicate, type RuleSet, type Triage } from '../ticket/rules.js';
import { leads, mailAgents, ticketVars, varsFor, type WorkflowDeps } from './notify.js';
import { autoAssign } from './auto-assign.js';
import type { SlaSettings } from '../ticket/sla.js';
import { fileBugOnArrival } from './bugs.js';

/**
 * The rules' verdict on a new ticket, applied in the ingest transaction: assignee, escalation,
 * spam, and the duplicate link (seed 004: same requester, near-identical subject within a window).
 * Fields (category, priority, tags, team, SLA) were set when the ticket was inserted.
 */
export async function applyTriage(tx: Tx, deps: WorkflowDeps & { sla: SlaSettings }, ticket: TicketRow, triage: Triage, rules: RuleSet, body: string, decisions: Decision[]): Promise<{ ticket: TicketRow; notifications: number; acknowledge: boolean }> {
  let t = ticket;
  let sent = 0;
  const ruleNames = triage.matched.map((m) => m.rule).join(', ') || 'defaults';
  const save = async (next: TicketRow): Promise<void> => {
    await saveTicketChanges(tx, t, { status: next.status, priority: next.priority, category: next.category, tags: next.tags, assigneeId: next.assignee_id, approved: next.approved, escalated: next.escalated, resolution: next.resolution });
    t = next;
  };

  if (triage.spam) {
    await save({ ...t, status: 'closed', tags: [...new Set([...t.tags, 'spam'])] });
    await addEvent(tx, t.id, 'spam', 'system', { rule: ruleNames });
    decisions.push({ stage: 'triage', verdict: 'spam', reason: `closed as spam by rule (${ruleNames}); nothing sent, the sender is not blocked` });
    return { ticket: t, notifications: 0, acknowledge: false };
  }

  const earlier = (await tx('tickets')
    .where({ requester_email: t.requester_email })
    .whereNot({ id: t.id })
    .whereNotIn('status', ['closed'])
    .andWhere('created_at', '>', new Date(Date.now() - rules.duplicates.windowHours * 3_600_000))
    .select('id', 'ref', 'subject', 'created_at')) as { id: number; ref: string; subject: string; created_at: Date }[];
  const dup = findNearDuplicate(t.subject, new Date(), earlier.map((e) => ({ ref: e.ref, subject: e.subject, createdAt: new Date(e.created_at) })), rules.duplicates);
  if (dup) {
    await save({ ...t, tags: [...new Set([...t.tags, 'duplicate'])] });
    await addEvent(tx, t.id, 'duplicate_of', 'system', { ref: dup.ref, similarity: Number(dup.similarity.toFixed(2)) });
    const other = earlier.find((e) => e.ref === dup.ref)!;
    await addEvent(tx, other.id, 'duplicate_linked', 'system', { ref: t.ref, similarity: Number(dup.similarity.toFixed(2)) });
    decisions.push({ stage: 'triage', verdict: 'duplicate', reason: `near-identical to ${dup.ref} from the same requester (similarity ${dup.similarity.toFixed(2)}); linked and flagged` });
  }

  if (triage.assign) {
    const agent = await findAgentByEmail(tx, triage.assign);
    if (agent) {
      await save({ ...t, assignee_id: agent.id, status: 'assigned' });
      await addEvent(tx, t.id, 'assigned', 'system', { to: agent.email, from: null, rule: ruleNames });
      const assignee = { name: agent.name, email: agent.email };
      const vars = ticketVars(deps.config, t, assignee, { agent: assignee, message: { body, from: t.requester_email } });
      sent += await mailAgents(tx, deps, t, 'assigned', [agent], () => vars);
    } else {
      decisions.push({ stage: 'triage', verdict: 'assign skipped', reason: `rule asks to assign ${triage.assign}, who is not a registered agent` });
    }
  }
  // No rule gave it an owner: auto-assignment, when the SLA file enables it.
  if (t.assignee_id === null) {
    const auto = await autoAssign(tx, deps, t, body, decisions);
    t = auto.ticket;
    sent += auto.notifications;
  }

  if (triage.escalate) {
    await save({ ...t, escalated: true, tags: [...new Set([...t.tags, 'escalated'])] });
    const note = `escalated on arrival by rule: ${triage.matched.filter((m) => m.effect.includes('escalate')).map((m) => m.rule).join(', ') || ruleNames}`;
    await addEvent(tx, t.id, 'escalated', 'system', { note });
    const vars = await varsFor(tx, deps.config, t, { note, message: { body, from: t.requester_email }, updates: NO_UPDATES });
    sent += await mailAgents(tx, deps, t, 'escalated_leads', (await leads(tx)).map((l) => ({ email: l.email, name: l.name })), (p) => ({ ...vars, agent: { name: p.name, email: p.email } }));
    decisions.push({ stage: 'triage', verdict: 'escalated', reason: note });
  }
  if (triage.fileBug) {
    const filed = await fileBugOnArrival(tx, deps, t, decisions);
    t = filed.ticket;
    sent += filed.notifications;
  }
  return { ticket: t, notifications: sent, acknowledge: !triage.skipAcknowledgment };
}
