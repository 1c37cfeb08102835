import type { Logger } from '../log.js';
import { NO_UPDATES } from '../outbox/context.js';
import { findAgentById } from '../store/agents.js';
import type { Db, Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { claimTicketsWithDueTimers, clearPendingListFired, insertTimers, lockTicketRow, markTimerFired, nextDueTimer, type TimerRow } from '../store/timers.js';
import { findTicketById, saveTicketChanges, type TicketRow } from '../store/tickets.js';
import { formatMinutes, ONCE_KINDS, plannedTimers, type SlaSettings, type TimerKind } from '../ticket/sla.js';
import { leads, mailAgents, mailCustomer, ticketVars, varsFor, type Person, type WorkflowDeps } from './notify.js';
import { sendSurvey } from './csat.js';

export interface TimerDeps extends WorkflowDeps {
  sla: SlaSettings;
}

/** Recomputes a ticket's pending timers from its current state; call after any change, in the same transaction. */
export async function rescheduleTimers(tx: Tx, deps: TimerDeps, ticketId: number, opts: { createdInThisTransaction?: boolean } = {}): Promise<void> {
  const t = await lockTicketRow<TicketRow>(tx, ticketId);
  if (!t) return;
  // A ticket created in this transaction has no timers yet: nothing to clear, nothing fired.
  const fired = opts.createdInThisTransaction ? [] : await clearPendingListFired(tx, ticketId);
  const firedKinds = new Set(fired.map((f) => f.kind));
  const lastReminder = fired.filter((f) => f.kind === 'customer_update_reminder').at(-1)?.fired_at;
  const lastUpdate = new Date(t.last_customer_update_at ?? t.created_at);
  const planned = plannedTimers(
    {
      status: t.status,
      priority: t.priority,
      slaPolicy: t.sla_policy,
      createdAt: new Date(t.created_at),
      firstResponseAt: t.first_response_at ? new Date(t.first_response_at) : null,
      // A reminder that fired counts as the start of the next working day's wait.
      lastCustomerUpdateAt: lastReminder && new Date(lastReminder) > lastUpdate ? new Date(lastReminder) : lastUpdate,
      resolvedAt: t.resolved_at ? new Date(t.resolved_at) : null,
      escalated: t.escalated,
    },
    deps.sla,
  ).filter((p) => !(ONCE_KINDS.includes(p.kind) && firedKinds.has(p.kind)));
  await insertTimers(tx, ticketId, planned);
}

const TITLES: Record<TimerKind, string> = {
  first_response_at_risk: 'First response is at risk',
  first_response_breached: 'First response target breached',
  resolution_at_risk: 'Resolution is at risk',
  resolution_breached: 'Resolution target breached',
  customer_update_reminder: 'The customer has not heard from us for a working day',
  open_too_long: 'Open for more than 3 days',
  auto_escalate: 'Unresolved too long: escalated to the next tier',
  auto_close: 'Closed automatically after the verification window',
};

async function assigneeAndLeads(tx: Tx, t: TicketRow): Promise<Person[]> {
  const people: Person[] = [];
  const assignee = t.assignee_id === null ? undefined : await findAgentById(tx, t.assignee_id);
  if (assignee) people.push({ email: assignee.email, name: assignee.name });
  for (const l of await leads(tx)) people.push({ email: l.email, name: l.name });
  return people;
}

/** One due timer's effect, inside the transaction that marks it fired. Returns mails queued. */
export async function fireTimer(tx: Tx, deps: TimerDeps, timer: TimerRow, now: Date): Promise<number> {
  const t = await findTicketById(tx, timer.ticket_id);
  if (!t) return 0;
  // The open-too-long limit comes from the SLA file: say the one in force.
  const title = timer.kind === 'open_too_long' ? `Open for more than ${formatMinutes(deps.sla.openTooLongMinutes)}` : TITLES[timer.kind];
  const alert = { kind: timer.kind, title, dueAt: new Date(timer.due_at).toISOString() };
  let sent = 0;
  switch (timer.kind) {
    case 'first_response_at_risk':
    case 'first_response_breached':
    case 'resolution_at_risk':
    case 'resolution_breached':
    case 'open_too_long': {
      await addEvent(tx, t.id, timer.kind.endsWith('breached') ? 'sla_breached' : timer.kind === 'open_too_long' ? 'open_too_long' : 'sla_at_risk', 'system', { timer: timer.kind, dueAt: alert.dueAt });
      const vars = await varsFor(tx, deps.config, t, { alert });
      const people = timer.kind === 'open_too_long' ? (await leads(tx)).map((l) => ({ email: l.email, name: l.name })) : await assigneeAndLeads(tx, t);
      sent += await mailAgents(tx, deps, t, 'sla_alert', people, (p) => ({ ...vars, agent: { name: p.name, email: p.email } }));
      break;
    }
    case 'customer_update_reminder': {
      const assignee = t.assignee_id === null ? undefined : await findAgentById(tx, t.assignee_id);
      await addEvent(tx, t.id, 'update_reminder', 'system', { to: assignee?.email ?? null });
      if (assignee) {
        const agent = { name: assignee.name, email: assignee.email };
        const vars = ticketVars(deps.config, t, agent, { alert, agent });
        sent += await mailAgents(tx, deps, t, 'update_reminder', [assignee], () => vars);
      }
      break;
    }
    case 'auto_escalate': {
      if (t.escalated) break;
      const tags = t.tags.includes('escalated') ? t.tags : [...t.tags, 'escalated'];
      await saveTicketChanges(tx, t, { status: t.status, priority: t.priority, category: t.category, tags, assigneeId: t.assignee_id, approved: t.approved, escalated: true, resolution: t.resolution });
      await addEvent(tx, t.id, 'escalated', 'system', { note: alert.title });
      const after = { ...t, escalated: true, tags };
      const vars = await varsFor(tx, deps.config, after, { note: alert.title, alert });
      sent += await mailAgents(tx, deps, after, 'escalated_leads', (await leads(tx)).map((l) => ({ email: l.email, name: l.name })), () => vars);
      sent += await mailCustomer(tx, deps, after, 'escalated', { ...vars, updates: NO_UPDATES });
      break;
    }
    case 'auto_close': {
      if (t.status !== 'resolved') break;
      await saveTicketChanges(tx, t, { status: 'closed', priority: t.priority, category: t.category, tags: t.tags, assigneeId: t.assignee_id, approved: t.approved, escalated: t.escalated, resolution: t.resolution });
      await addEvent(tx, t.id, 'closed', 'system', { reason: `no reply within ${Math.round(deps.sla.autoCloseResolvedMinutes / 60)} hours of resolution` });
      const after: TicketRow = { ...t, status: 'closed' };
      sent += await mailCustomer(tx, deps, after, 'closed', await varsFor(tx, deps.config, after));
      sent += await sendSurvey(tx, deps, after);
      break;
    }
  }
  await markTimerFired(tx, timer.id, now, { sent });
  // Replaces the ticket's other pending timers: the caller must fetch the next due one afresh.
  await rescheduleTimers(tx, deps, t.id);
  return sent;
}

/**
 * The timer loop: durable timers in the database fire exactly once, even with several gateways
 * (claimed FOR UPDATE SKIP LOCKED, effects and the fired mark in one transaction), and catch up
 * after downtime (anything due in the past fires on the next pass).
 */
export class TimerLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly deps: TimerDeps,
    private readonly log: Logger,
    private readonly opts: { intervalMs?: number; now?: () => Date; onSent?: () => void } = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      void this.runOnce()
        .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'timers: pass failed; will retry'))
        .finally(() => {
          if (!this.stopped) this.schedule(this.opts.intervalMs ?? 5000);
        });
    }, ms);
  }

  /** Fires everything due now; returns how many timers fired. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    const now = this.opts.now?.() ?? new Date();
    let fired = 0;
    for (;;) {
      const batch = await this.db.transaction(async (tx) => {
        const tickets = await claimTicketsWithDueTimers(tx, now, 20);
        let count = 0;
        let sent = 0;
        for (const ticketId of tickets) {
          // One at a time: each firing reschedules the ticket's remaining timers. Bounded, in case a plan keeps re-proposing a due timer.
          for (let guard = 0; guard < 20; guard++) {
            const timer = await nextDueTimer(tx, ticketId, now);
            if (!timer) break;
            sent += await fireTimer(tx, this.deps, timer, now);
            count++;
          }
        }
        return { tickets: tickets.length, count, sent };
      });
      fired += batch.count;
      if (batch.sent > 0) this.opts.onSent?.();
      if (batch.tickets < 20 || this.stopped) break;
    }
    if (fired > 0) this.log.info({ fired }, 'timers fired');
    return fired;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
