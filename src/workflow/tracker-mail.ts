import type { Config } from '../config.js';
import type { Decision } from '../mail/decision.js';
import { trackerReplyAddress, type AuthVerdict } from '../mail/auth.js';
import type { MailKind } from '../mail/screen/index.js';
import type { BugVars } from '../outbox/context.js';
import { bugsByKey, insertBug, listBugs, setBugKey, setBugStatus, type BugRow } from '../store/bugs.js';
import type { Tx } from '../store/db.js';
import { addEvent } from '../store/events.js';
import { findTicketById, saveTicketChanges, type TicketRow } from '../store/tickets.js';
import type { Tracker, TrackerSet } from '../tracker/config.js';
import type { IntakePlan, ThreadMatch } from '../ticket/intake.js';
import { isAllowed } from '../ticket/machine.js';
import { compileRegex, foldText } from '../ticket/rules.js';
import { findAgentById } from '../store/agents.js';
import { mailAgents, triagePeople, varsFor, type Person, type WorkflowDeps } from './notify.js';

/**
 * Mail (and webhook calls) from the development tracker about a bug: recognised by its sender,
 * threaded by [HD-n], the plus address or a known item key; stored as an internal note, never
 * answered; the assignee is told. "Done" moves the ticket back to in_progress with a request to
 * verify with the customer, and every other ticket linked to the same key hears of it too.
 */

// ---------------------------------------------------------------------------------------------
// Recognition (pure)

/** The tracker whose notifications come from this address (exact address, or the domain and its subdomains). */
export function trackerForSender(set: TrackerSet | undefined, address: string): Tracker | undefined {
  if (!set) return undefined;
  const a = address.toLowerCase();
  const domain = a.slice(a.lastIndexOf('@') + 1);
  return set.all.find((t) => t.senders.some((s) => (s.includes('@') ? s === a : domain === s || domain.endsWith(`.${s}`))));
}

/** Only a person's or a notifier's mail counts: a bounce from the tracker's server stays a bounce. */
export function trackerMail(config: Pick<Config, 'trackers'>, address: string, kind: MailKind): Tracker | undefined {
  return kind === 'human' || kind === 'auto-reply' ? trackerForSender(config.trackers, address) : undefined;
}

/** Item keys in the text, in order, without our own ticket references (HD-7 looks like a key). */
export function itemKeys(tracker: Tracker, text: string, ticketPrefix: string): string[] {
  const ours = new RegExp(`^${ticketPrefix}-\\d+$`, 'i');
  const keys: string[] = [];
  for (const m of text.matchAll(tracker.keyPattern)) if (!ours.test(m[0]) && !keys.includes(m[0])) keys.push(m[0]);
  return keys;
}

/** The "done" phrase (or /regex/) the text contains, if any. */
export function donePhrase(tracker: Tracker, text: string): string | undefined {
  const folded = foldText(text);
  return tracker.done.find((phrase) => {
    if (/^\/.+\/[a-z]*$/s.test(phrase)) return compileRegex(phrase).test(text);
    return folded.includes(foldText(phrase));
  });
}

export interface TrackerNews {
  tracker: Tracker;
  keys: string[];
  done: boolean;
  /** What the tracker said (quotes stripped), stored as the note and told to the assignee. */
  text: string;
  via: 'mail' | 'webhook';
}

export function readTrackerMail(tracker: Tracker, mail: { subject: string; body: string }, ticketPrefix: string): TrackerNews {
  const whole = `${mail.subject}\n${mail.body}`;
  return { tracker, keys: itemKeys(tracker, whole, ticketPrefix), done: donePhrase(tracker, whole) !== undefined, text: mail.body, via: 'mail' };
}

/** A tracker's mail is appended to its ticket without a reply, or dropped when it names none. */
export function trackerPlan(tracker: Tracker, match: ThreadMatch): IntakePlan {
  return match
    ? { action: 'append', acknowledge: false, reason: `tracker ${tracker.name} writes about ${match.ref} (by ${match.key}); kept as an internal note` }
    : { action: 'drop', reason: `mail from tracker ${tracker.name} about no known ticket or item key` };
}

// ---------------------------------------------------------------------------------------------
// Threading and applying (in the ingest transaction)

/** When [HD-n], the plus address and References found nothing: the oldest ticket with a bug of that key. */
export async function threadByTrackerKey(tx: Tx, tracker: Tracker | undefined, mail: { subject: string; text: string }, ticketPrefix: string, found: { ticket: TicketRow | undefined; match: ThreadMatch }): Promise<{ ticket: TicketRow | undefined; match: ThreadMatch }> {
  if (!tracker || found.ticket) return found;
  for (const key of itemKeys(tracker, `${mail.subject}\n${mail.text}`, ticketPrefix)) {
    const bug = (await bugsByKey(tx, tracker.name, key))[0];
    const ticket = bug ? await findTicketById(tx, bug.ticket_id) : undefined;
    if (ticket) return { ticket, match: { key: 'tracker-key', ref: ticket.ref, detail: `${tracker.name} item ${key}` } };
  }
  return found;
}

async function ownerOrTriage(tx: Tx, config: Config, ticket: TicketRow): Promise<Person[]> {
  const owner = ticket.assignee_id === null ? undefined : await findAgentById(tx, ticket.assignee_id);
  return owner ? [{ email: owner.email, name: owner.name }] : triagePeople(tx, config);
}

function bugVars(deps: WorkflowDeps, ticket: TicketRow, bug: BugRow | undefined, news: TrackerNews, extra: Partial<BugVars> = {}): BugVars {
  return {
    summary: bug?.summary ?? '',
    key: bug?.key ?? news.keys[0] ?? null,
    tracker: news.tracker.name,
    steps: null,
    attachments: [],
    replyAddress: trackerReplyAddress(deps.config.helpdeskAddress, deps.secret, ticket.ref, news.tracker.name),
    done: news.done,
    knownIssue: false,
    otherTicket: null,
    update: news.text.trim() || null,
    ...extra,
  };
}

/** Moves a ticket waiting on development back to in_progress (machine: bug_fixed). */
async function resume(tx: Tx, ticket: TicketRow, actor: string): Promise<TicketRow> {
  if (!isAllowed('bug_fixed', ticket.status)) return ticket;
  const next: TicketRow = { ...ticket, status: 'in_progress' };
  await saveTicketChanges(tx, ticket, { status: next.status, priority: next.priority, category: next.category, tags: next.tags, assigneeId: next.assignee_id, approved: next.approved, escalated: next.escalated, resolution: next.resolution });
  await addEvent(tx, ticket.id, 'status_changed', actor, { from: ticket.status, to: next.status, by: 'bug done' });
  return next;
}

/**
 * What the tracker said about a ticket's bug: the key learnt, the update recorded and told to the
 * owner (or triage); on "done", the ticket and every other ticket on the same key resume.
 */
export async function onTrackerNews(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, news: TrackerNews, decisions: Decision[]): Promise<number> {
  const actor = `tracker:${news.tracker.name}`;
  const bugs = (await listBugs(tx, ticket.id)).filter((b) => b.tracker === news.tracker.name);
  let bug = bugs.find((b) => b.key !== null && news.keys.some((k) => k.toUpperCase() === b.key!.toUpperCase()));
  if (!bug && news.keys[0]) {
    // The first answer about a bug filed by mail names its key (Jira's "issue created" mail).
    const unkeyed = bugs.find((b) => b.key === null);
    if (unkeyed) {
      await setBugKey(tx, unkeyed.id, news.keys[0]);
      bug = { ...unkeyed, key: news.keys[0], status: 'open' };
    } else {
      bug = await insertBug(tx, { ticketId: ticket.id, tracker: news.tracker.name, key: news.keys[0], summary: '', status: 'open' });
    }
    await addEvent(tx, ticket.id, 'bug_key', actor, { tracker: news.tracker.name, bug: bug.id, key: news.keys[0], from: news.via });
    decisions.push({ stage: 'bug', verdict: `key ${news.keys[0]}`, reason: `the tracker named the item; stored on the bug` });
  }
  bug ??= bugs.find((b) => b.status !== 'done') ?? bugs[0];
  await addEvent(tx, ticket.id, 'bug_update', actor, { tracker: news.tracker.name, key: bug?.key ?? null, done: news.done, via: news.via });

  let sent = 0;
  let current = ticket;
  const firstDone = news.done && bug !== undefined && bug.status !== 'done';
  if (firstDone) {
    await setBugStatus(tx, bug!.id, 'done');
    current = await resume(tx, ticket, actor);
    await addEvent(tx, ticket.id, 'bug_done', actor, { tracker: news.tracker.name, key: bug!.key });
    decisions.push({ stage: 'bug', verdict: 'done', reason: `${bug!.key ?? 'the bug'} is done in ${news.tracker.name}; ticket ${current.status === 'in_progress' ? 'back in progress' : `stays ${current.status}`}, the assignee verifies with the customer` });
  } else {
    decisions.push({ stage: 'bug', verdict: 'update', reason: `news from ${news.tracker.name}${bug?.key ? ` about ${bug.key}` : ''}: an internal note, no reply; the assignee is told` });
  }
  const people = await ownerOrTriage(tx, deps.config, current);
  const vars = await varsFor(tx, deps.config, current, { bug: bugVars(deps, current, bug, news) });
  sent += await mailAgents(tx, deps, current, 'bug_update', people, (p) => ({ ...vars, agent: { name: p.name, email: p.email } }));

  // The known issue: every other ticket on the same item hears it is fixed, once.
  if (firstDone && bug!.key) {
    for (const other of await bugsByKey(tx, news.tracker.name, bug!.key)) {
      if (other.ticket_id === ticket.id || other.status === 'done') continue;
      await setBugStatus(tx, other.id, 'done');
      const t = await findTicketById(tx, other.ticket_id);
      if (!t) continue;
      const resumed = await resume(tx, t, actor);
      await addEvent(tx, t.id, 'bug_done', actor, { tracker: news.tracker.name, key: bug!.key, knownIssue: true, filedFrom: ticket.ref });
      const otherVars = await varsFor(tx, deps.config, resumed, { bug: bugVars(deps, resumed, other, news, { key: bug!.key, knownIssue: true, otherTicket: ticket.ref }) });
      sent += await mailAgents(tx, deps, resumed, 'bug_update', await ownerOrTriage(tx, deps.config, resumed), (p) => ({ ...otherVars, agent: { name: p.name, email: p.email } }));
    }
  }
  return sent;
}

/** A tracker's mail on a ticket (already stored as a note by the caller). */
export async function onTrackerMail(tx: Tx, deps: WorkflowDeps, ticket: TicketRow, tracker: Tracker, mail: { subject: string; body: string }, decisions: Decision[]): Promise<number> {
  return onTrackerNews(tx, deps, ticket, readTrackerMail(tracker, mail, deps.config.ticketPrefix), decisions);
}

/**
 * A mail that names a tracker as its sender but passed neither DMARC nor the signed reply address:
 * kept (flagged suspicious by the caller) as a note with the reason, and nothing else — no status
 * change, no key learnt, nobody mailed. From is forgeable; a forger must not close the loop.
 */
export async function onForgedTrackerMail(tx: Tx, ticket: TicketRow, tracker: Tracker, from: string, verdict: Extract<AuthVerdict, { ok: false }>, decisions: Decision[]): Promise<number> {
  await addEvent(tx, ticket.id, 'tracker_refused', from, { tracker: tracker.name, reason: verdict.reason });
  decisions.push({ stage: 'bug', verdict: 'ignored', reason: `claims to be tracker ${tracker.name} but is not authenticated: stored as a suspicious note; no status change, nobody told` });
  return 0;
}
