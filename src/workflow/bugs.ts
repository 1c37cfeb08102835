import type { Decision } from '../mail/decision.js';
import { trackerReplyAddress } from '../mail/auth.js';
import type { BugVars } from '../outbox/context.js';
import { enqueueNotification } from '../outbox/enqueue.js';
import { enqueueWebhook } from '../outbox/webhook.js';
import { bugsByKey, insertBug, type BugRow } from '../store/bugs.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { saveTicketChanges, type TicketRow } from '../store/tickets.js';
import { isAllowed } from '../ticket/machine.js';
import type { Tracker } from '../tracker/config.js';
import type { BugRequest } from '../ticket/commands/index.js';
import { varsFor, type WorkflowDeps } from './notify.js';


/** The customer's first words on the ticket (quotes already stripped when stored) and every attachment's name. */
async function ticketMaterial(tx: Tx, ticketId: number): Promise<{ text: string; from: string; attachments: string[] }> {
  const first = (await tx('messages').where({ ticket_id: ticketId, direction: 'in', suspicious: false }).orderBy('id').first('body', 'from_address')) as { body: string; from_address: string } | undefined;
  const names = (await tx('attachments').join('messages', 'messages.id', 'attachments.message_id').where('messages.ticket_id', ticketId).orderBy('attachments.id').select('attachments.filename')) as { filename: string | null }[];
  return { text: first?.body ?? '', from: first?.from_address ?? '', attachments: [...new Set(names.map((n) => n.filename ?? '(unnamed)'))] };
}

export interface FilingOptions {
  /** The agent who asked (#bug); null for the rule action file_bug. */
  agent: { name: string; email: string } | null;
  steps: string;
  decisions: Decision[];
}

/**
 * Files (summary) or links (key) bugs for a ticket, in the caller's transaction: a bug row each,
 * and for a new bug the report — a mail to the tracker's mail-in address (template bug_report,
 * Reply-To the ticket's plus address) or a signed webhook row in the outbox. Returns mails queued.
 */
export async function fileBugs(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, requests: BugRequest[], opts: FilingOptions): Promise<number> {
  const tracker = deps.config.trackers?.default;
  if (!tracker) {
    opts.decisions.push({ stage: 'bug', verdict: 'skipped', reason: 'no development tracker is configured (DESKMAIL_TRACKERS)' });
    return 0;
  }
  const actor = opts.agent?.email ?? 'system';
  let sent = 0;
  for (const request of requests) {
    if (request.key !== undefined) {
      const known = await bugsByKey(tx, tracker.name, request.key);
      const bug = await insertBug(tx, { ticketId: ticket.id, tracker: tracker.name, key: request.key, summary: known[0]?.summary ?? '', status: 'linked' });
      const others = await otherRefs(tx, known, ticket.id);
      await addEvent(tx, ticket.id, 'bug_linked', actor, { tracker: tracker.name, key: request.key, bug: bug.id, ...(others.length ? { alsoOn: others } : {}) });
      opts.decisions.push({ stage: 'bug', verdict: `linked ${request.key}`, reason: others.length ? `known issue, also on ${others.join(', ')}` : `item ${request.key} in ${tracker.name}` });
      continue;
    }
    const bug = await insertBug(tx, { ticketId: ticket.id, tracker: tracker.name, key: null, summary: request.summary, status: 'filed' });
    const material = await ticketMaterial(tx, ticket.id);
    const vars: BugVars = {
      summary: request.summary,
      key: null,
      tracker: tracker.name,
      steps: opts.steps.trim() || null,
      attachments: material.attachments,
      // support+HD-42.TOKEN@: threads the tracker's answers back and proves they answer our report.
      replyAddress: trackerReplyAddress(deps.config.helpdeskAddress, deps.secret, ticket.ref, tracker.name),
      done: false,
      knownIssue: false,
      otherTicket: null,
      update: null,
    };
    sent += await sendReport(tx, deps, ticket, tracker, bug, vars, material, opts.agent);
    await addEvent(tx, ticket.id, 'bug_filed', actor, { tracker: tracker.name, bug: bug.id, summary: request.summary, via: tracker.kind });
    opts.decisions.push({ stage: 'bug', verdict: 'filed', reason: `"${request.summary}" to ${tracker.name} by ${tracker.kind === 'mail' ? `mail to ${tracker.address}` : 'webhook'}` });
  }
  return sent;
}

async function otherRefs(tx: Tx, bugs: BugRow[], exceptTicket: number): Promise<string[]> {
  const ids = [...new Set(bugs.map((b) => b.ticket_id).filter((id) => id !== exceptTicket))];
  if (ids.length === 0) return [];
  return ((await tx('tickets').whereIn('id', ids).orderBy('id').select('ref')) as { ref: string }[]).map((r) => r.ref);
}

async function sendReport(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, tracker: Tracker, bug: BugRow, vars: BugVars, material: { text: string; from: string }, agent: FilingOptions['agent']): Promise<number> {
  if (tracker.kind === 'webhook') {
    await enqueueWebhook(tx, tracker, ticket.id, bug.id, {
      event: 'bug.filed',
      ticket: ticket.ref,
      bug: bug.id,
      summary: vars.summary,
      description: material.text,
      steps: vars.steps,
      attachments: vars.attachments,
      priority: ticket.priority,
      filedBy: agent?.email ?? null,
      replyAddress: vars.replyAddress,
    }, deps.config.helpdeskAddress);
    return 0;
  }
  const context = await varsFor(tx, deps.config, ticket, { agent, message: material.text ? { body: material.text, from: material.from } : null, bug: vars });
  // A person asked for this report: no Auto-Submitted, which Jira's mail handler would ignore.
  const id = await enqueueNotification(tx, deps.renderer, deps.sender, {
    kind: 'bug_report',
    to: [tracker.address],
    ticket,
    inReplyTo: undefined,
    references: [],
    context: context as unknown as Record<string, unknown>,
    autoSubmitted: undefined,
    storeOnTicket: false,
    replyTo: vars.replyAddress,
  });
  return id ? 1 : 0;
}

/** The rule action file_bug: the new ticket is filed as a bug under its own subject. */
export async function fileBugOnArrival(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, decisions: Decision[]): Promise<{ ticket: TicketRow; notifications: number }> {
  if (!deps.config.trackers) {
    decisions.push({ stage: 'bug', verdict: 'skipped', reason: 'a rule asks for file_bug, but no development tracker is configured (DESKMAIL_TRACKERS)' });
    return { ticket, notifications: 0 };
  }
  if (!isAllowed('file_bug', ticket.status)) return { ticket, notifications: 0 };
  const next: TicketRow = { ...ticket, status: 'waiting_third_party', category: 'Bug' };
  await saveTicketChanges(tx, ticket, { status: next.status, priority: next.priority, category: next.category, tags: next.tags, assigneeId: next.assignee_id, approved: next.approved, escalated: next.escalated, resolution: next.resolution });
  await addEvent(tx, ticket.id, 'status_changed', 'system', { to: next.status, by: 'rule file_bug' });
  const notifications = await fileBugs(tx, deps, next, [{ summary: ticket.subject }], { agent: null, steps: '', decisions });
  return { ticket: next, notifications };
}
