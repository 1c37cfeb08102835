import type { AgentRow } from '../store/agents.js';
import { setAgentAway, ticketsHeldBy } from '../store/availability.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { saveTicketChanges, type TicketRow, type TicketStatus } from '../store/tickets.js';
import { isAllowed } from '../ticket/machine.js';
import { mailAgents, triagePeople, varsFor } from './notify.js';
import { rescheduleTimers, type TimerDeps } from './timers.js';

/**
 * Seed 001, "hand tickets back when off tomorrow": an agent marked away keeps what waits on
 * someone else (the customer, a vendor), and everything else they own goes back to the queue as
 * #release does (reviewing, no owner), each with a 'released' event and a mail to triage. One
 * transaction: the away mark, the hand-backs, their mails and timers together, or none of them.
 */
const HANDED_BACK: readonly TicketStatus[] = ['assigned', 'in_progress'];

export async function markAwayAndHandBack(tx: Tx, deps: TimerDeps, agent: AgentRow, until: Date, note: string | null): Promise<{ handedBack: string[]; kept: number; notifications: number }> {
  await setAgentAway(tx, agent.email, until, note);
  const held = await ticketsHeldBy(tx, agent.id, ['assigned', 'in_progress', 'waiting_customer', 'waiting_third_party']);
  const why = `${agent.name} <${agent.email}> is away until ${until.toISOString()}${note ? `: ${note}` : ''}`;
  let notifications = 0;
  const handedBack: string[] = [];
  for (const t of held.filter((h) => HANDED_BACK.includes(h.status) && isAllowed('release', h.status))) {
    const next: TicketRow = { ...t, assignee_id: null, status: 'reviewing' };
    await saveTicketChanges(tx, t, { status: next.status, priority: t.priority, category: t.category, tags: t.tags, assigneeId: null, approved: t.approved, escalated: t.escalated, resolution: t.resolution });
    await addEvent(tx, t.id, 'released', 'system', { note: why, from: agent.email, reason: 'away', until: until.toISOString() });
    const vars = await varsFor(tx, deps.config, next, { agent: { name: agent.name, email: agent.email }, note: why });
    notifications += await mailAgents(tx, deps, next, 'handed_back', await triagePeople(tx, deps.config), () => vars);
    await rescheduleTimers(tx, deps, t.id);
    handedBack.push(t.ref);
  }
  return { handedBack, kept: held.length - handedBack.length, notifications };
}
