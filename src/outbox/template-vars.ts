/**
 * The documented variable set of every notification: what an admin may use in its templates.
 * `deskmail templates vars NAME` prints it; `deskmail templates check` and the live reload refuse
 * a template that names anything else. The values come from TemplateVars (src/outbox/context.ts).
 *
 * To add a notification: add its entry to NOTIFICATIONS (audience, what it is, which groups
 * beyond the common ones it receives). To add a variable: add it to VARIABLES under a group.
 * A list's items are written `list[]` (`results[].line`); an object is listed before its fields.
 */

/** Who wrote the text: customer- or agent-written text must never be output unescaped in HTML. */
export type Provenance = 'system' | 'customer' | 'agent';

export interface VarSpec {
  path: string;
  type: string;
  description: string;
  provided: Provenance;
}

export interface NotificationSpec {
  /** Who reads it: customer-facing mail is rendered in the requester's language when a variant exists. */
  audience: 'customer' | 'agent' | 'operator';
  description: string;
  /** Variable groups beyond COMMON_GROUPS this notification fills in (the others are present, but null/false/empty). */
  groups: string[];
  /** Mail about no single ticket (an operator alert, a digest): its subject need not carry a ticket reference. */
  noTicket?: boolean;
}

const v = (path: string, type: string, description: string, provided: Provenance = 'system'): VarSpec => ({ path, type, description, provided });

/** Every variable, by group. The group is the first segment of its paths. */
export const VARIABLES: Record<string, VarSpec[]> = {
  helpdesk: [
    v('helpdesk', 'object', 'the helpdesk sending the mail'),
    v('helpdesk.name', 'string', 'display name (HELPDESK_NAME)'),
    v('helpdesk.address', 'string', 'the address customers write to (HELPDESK_ADDRESS)'),
  ],
  ticket: [
    v('ticket', 'object', 'the ticket this mail is about'),
    v('ticket.ref', 'string', 'reference, e.g. HD-42 (every subject must carry it)'),
    v('ticket.subject', 'string', "the subject of the customer's first mail", 'customer'),
    v('ticket.status', 'string', 'status code: new, reviewing, assigned, in_progress, waiting_customer, …'),
    v('ticket.statusText', 'string', 'status in words, e.g. "in progress"'),
    v('ticket.priority', 'string', 'P1..P4'),
    v('ticket.category', 'string | null', 'category set by the rules or an agent', 'agent'),
    v('ticket.tags', 'string[]', 'tags', 'agent'),
    v('ticket.tags[]', 'string', 'one tag (inside {{#each ticket.tags}}: {{this}})', 'agent'),
    v('ticket.assignee', 'object | null', 'the owning agent, null when nobody owns it'),
    v('ticket.assignee.name', 'string', "the owner's name", 'agent'),
    v('ticket.assignee.email', 'string', "the owner's address"),
    v('ticket.resolution', 'string | null', 'the prevention analysis given with #resolve', 'agent'),
    v('ticket.mergedInto', 'string | null', 'the ticket this one was merged into'),
  ],
  requester: [
    v('requester', 'object', 'the customer who opened the ticket'),
    v('requester.email', 'string', "the customer's address", 'customer'),
    v('requester.name', 'string | null', "the customer's display name, null when they gave none", 'customer'),
  ],
  agent: [
    v('agent', 'object | null', 'the agent this mail is about or from (signer of a reply, new owner, commander)'),
    v('agent.name', 'string', "the agent's name", 'agent'),
    v('agent.email', 'string', "the agent's address"),
  ],
  note: [v('note', 'string | null', 'the note given with a command (#escalate, #resolve, #project reason; the target of #merge)', 'agent')],
  message: [
    v('message', 'object | null', 'the mail text this notification carries'),
    v('message.body', 'string', "the new text of the customer's mail, or the agent's reply", 'customer'),
    v('message.from', 'string', 'who wrote it', 'customer'),
  ],
  updates: [
    v('updates', 'object', "in an agent's reply: what the same mail changed"),
    v('updates.workBegun', 'boolean', 'work has begun (#start)'),
    v('updates.waitingForYou', 'boolean', 'waiting for the customer (#wait customer)'),
    v('updates.escalated', 'boolean', 'escalated (#escalate)'),
    v('updates.resolved', 'boolean', 'resolved (#resolve)'),
    v('updates.closed', 'boolean', 'closed (#close)'),
    v('updates.project', 'boolean', 'to be handled as project work (#project)'),
    v('updates.merged', 'boolean', 'merged into another ticket (#merge)'),
  ],
  results: [
    v('results', 'list', 'each command line of the agent\'s mail and what became of it'),
    v('results[].line', 'string', 'the command line as written', 'agent'),
    v('results[].ok', 'boolean', 'whether it worked'),
    v('results[].message', 'string', 'what was done, or why not', 'agent'),
  ],
  applied: [v('applied', 'boolean', "whether the mail's commands were applied (all or nothing)")],
  warnings: [
    v('warnings', 'string[]', 'warnings about applied commands (e.g. over the workload cap)', 'agent'),
    v('warnings[]', 'string', 'one warning', 'agent'),
  ],
  verbs: [
    v('verbs', 'string[] | null', '#help: the verbs with their usage; null otherwise'),
    v('verbs[]', 'string', 'one verb with its usage'),
  ],
  forged: [
    v('forged', 'object | null', 'the mail that claimed to come from the agent'),
    v('forged.from', 'string', 'its From address', 'customer'),
    v('forged.subject', 'string', 'its subject', 'customer'),
    v('forged.reason', 'string', 'why it was not authenticated'),
  ],
  verifyWindowHours: [v('verifyWindowHours', 'number', 'hours the customer has to say a resolved ticket is not fixed (VERIFY_WINDOW_HOURS)')],
  sizeLimitMb: [v('sizeLimitMb', 'number', 'the per-message size limit in MB (MAX_MESSAGE_MB)')],
  alert: [
    v('alert', 'object | null', 'what is due or overdue'),
    v('alert.kind', 'string', 'timer kind'),
    v('alert.title', 'string', 'what is due, in words'),
    v('alert.dueAt', 'string', 'when it is (or was) due'),
  ],
  csat: [
    v('csat', 'object | null', 'the satisfaction survey'),
    v('csat.links', 'list', 'one-click rating links'),
    v('csat.links[].rating', 'number', 'the rating this link gives'),
    v('csat.links[].label', 'string', 'its label'),
    v('csat.links[].href', 'string', 'the link'),
    v('csat.rating', 'number | null', 'the rating given'),
    v('csat.label', 'string | null', 'the rating given, in words'),
    v('csat.comment', 'string | null', "the customer's comment", 'customer'),
    v('csat.windowDays', 'number', 'days the survey stays open'),
  ],
  digest: [
    v('digest', 'object | null', 'the weekly KPI digest'),
    v('digest.since', 'string', 'start of the period'),
    v('digest.until', 'string', 'end of the period'),
    v('digest.figures', 'list', 'KPI figures'),
    v('digest.figures[].label', 'string', 'KPI name'),
    v('digest.figures[].value', 'string', 'its value'),
    v('digest.figures[].target', 'string | null', 'its target'),
    v('digest.figures[].met', 'boolean', 'the target was met (false when there is no target or no data)'),
    v('digest.figures[].missed', 'boolean', 'the target was missed (false when there is no target or no data)'),
    v('digest.backlog', 'list', 'open tickets by status'),
    v('digest.backlog[].status', 'string', 'status'),
    v('digest.backlog[].count', 'number', 'how many'),
    v('digest.withoutPrevention', 'string[]', 'resolved tickets without a prevention analysis'),
    v('digest.withoutPrevention[]', 'string', 'one ticket: reference and subject', 'customer'),
    v('digest.kbCandidates', 'string[]', 'tickets worth a knowledge-base article'),
    v('digest.kbCandidates[]', 'string', 'one ticket', 'customer'),
  ],
  stall: [
    v('stall', 'object | null', 'fetch_stalled: the mailbox whose fetching stopped or resumed'),
    v('stall.recovered', 'boolean', 'false: fetching has stopped (the alert); true: it works again (the recovery mail)'),
    v('stall.mailbox', 'string', 'the mailbox, as imap:USER@HOST:PORT/FOLDER'),
    v('stall.since', 'string', 'when the failures began (ISO time; empty in the recovery mail)'),
    v('stall.reason', 'string', 'what failed, e.g. the server refusing the password (empty in the recovery mail)'),
    v('stall.at', 'string', 'when this was noticed (ISO time)'),
  ],
  bug: [
    v('bug', 'object | null', 'the development-tracker item (see "Development tracker" in the README)'),
    v('bug.summary', 'string', 'the summary given with #bug (or the ticket subject for file_bug)', 'agent'),
    v('bug.key', 'string | null', "the tracker's item key, e.g. APP-123; null until the tracker names it"),
    v('bug.tracker', 'string', 'the tracker name from the trackers file'),
    v('bug.steps', 'string | null', "the agent's text after the #bug line", 'agent'),
    v('bug.attachments', 'string[]', "names of the ticket's attachments", 'customer'),
    v('bug.attachments[]', 'string', 'one file name', 'customer'),
    v('bug.replyAddress', 'string', "where the tracker's answers go (the ticket's plus address with a token signed for the tracker)"),
    v('bug.done', 'boolean', 'the tracker says the item is done'),
    v('bug.knownIssue', 'boolean', 'this ticket is linked to an item filed from another ticket'),
    v('bug.otherTicket', 'string | null', 'the ticket the item was filed from (known issue)'),
    v('bug.update', 'string | null', "the tracker's words (quotes stripped)", 'customer'),
  ],
};

/** What the HTML layout (layout.html.hbs) sees besides the notification's own variables. */
export const LAYOUT_VARIABLES: VarSpec[] = [
  v('body', 'string (HTML)', 'the rendered html.hbs of the notification: output it with {{{body}}}'),
  v('subject', 'string', 'the rendered subject line (contains customer text: keep it escaped)', 'customer'),
];

/** Every notification receives these. */
export const COMMON_GROUPS = ['helpdesk', 'ticket', 'requester'];

/** Every notification deskmail sends. A template folder not named here is reported by `templates check`. */
export const NOTIFICATIONS: Record<string, NotificationSpec> = {
  received: { audience: 'customer', description: 'acknowledgment of a new request', groups: ['message'] },
  agent_reply: { audience: 'customer', description: "an agent's reply, with what the same mail changed", groups: ['agent', 'note', 'message', 'updates', 'verifyWindowHours'] },
  work_begun: { audience: 'customer', description: 'work on the request has begun (#start)', groups: ['agent'] },
  waiting_for_you: { audience: 'customer', description: 'the agent needs an answer (#wait customer)', groups: ['agent'] },
  escalated: { audience: 'customer', description: 'passed to the senior team (#escalate); the note stays internal', groups: ['agent'] },
  resolved: { audience: 'customer', description: 'resolved (#resolve), with what was done and the verification window', groups: ['agent', 'note', 'verifyWindowHours'] },
  closed: { audience: 'customer', description: 'closed (#close)', groups: ['agent'] },
  project: { audience: 'customer', description: 'to be handled as project work (#project), with the reason', groups: ['agent', 'note'] },
  merged: { audience: 'customer', description: 'merged into another ticket (#merge); note is the ticket it continues as', groups: ['agent', 'note'] },
  reopened: { audience: 'customer', description: 'reopened', groups: ['agent'] },
  too_large: { audience: 'customer', description: 'a mail over the size limit kept its text but not its attachments', groups: ['sizeLimitMb'] },
  new_ticket: { audience: 'agent', description: 'a new ticket announced to triage', groups: ['message'] },
  assigned: { audience: 'agent', description: 'a ticket assigned to the agent', groups: ['agent', 'message'] },
  customer_replied: { audience: 'agent', description: "the customer's new text, to the owner or triage", groups: ['message'] },
  escalated_leads: { audience: 'agent', description: 'an escalation, to the leads, with the note', groups: ['agent', 'note', 'message'] },
  command_result: { audience: 'agent', description: "what the agent's commands did, or why not", groups: ['agent', 'results', 'applied', 'warnings', 'verbs'] },
  forged_warning: { audience: 'agent', description: 'a mail sent as the agent could not be authenticated', groups: ['agent', 'forged'] },
  sla_alert: { audience: 'agent', description: 'an SLA target is due or overdue', groups: ['alert'] },
  update_reminder: { audience: 'agent', description: 'the customer has not been updated for a while', groups: ['alert'] },
  csat: { audience: 'customer', description: 'the satisfaction survey after a close, with one signed mailto link per rating', groups: ['csat'] },
  csat_thanks: { audience: 'customer', description: 'thanks for a rating, with the rating and comment', groups: ['csat'] },
  csat_low: { audience: 'agent', description: 'a rating of 1 or 2, to the leads, with the comment', groups: ['agent', 'csat'] },
  weekly_digest: { audience: 'agent', description: 'the KPI digest to the leads (deskmail report --mail)', groups: ['agent', 'digest'], noTicket: true },
  handed_back: { audience: 'agent', description: 'the owner is away (deskmail agents away): the ticket is back in the queue, to triage', groups: ['agent', 'note'] },
  bug_report: { audience: 'agent', description: "a bug report to the development tracker's mail-in address (#bug, file_bug)", groups: ['agent', 'message', 'bug'] },
  fetch_stalled: { audience: 'operator', description: 'to ADMIN_ADDRESS or the admins: fetching a mailbox has failed for FETCH_STALL_MINUTES or its login is refused; and once more when it resumes', groups: ['stall'], noTicket: true },
  bug_update: { audience: 'agent', description: 'the tracker wrote about a bug (or it is done: verify with the customer), to the owner or triage', groups: ['agent', 'bug'] },
};

/**
 * The variables a notification fills in (what `templates vars NAME` lists first). Every template
 * may name any registered variable: all are always present (null, false or empty when they do
 * not apply), which is what lets a shared partial test {{#if agent}}.
 */
export function variablesFor(name: string): VarSpec[] {
  const spec = NOTIFICATIONS[name];
  const groups = spec ? [...COMMON_GROUPS, ...spec.groups] : Object.keys(VARIABLES);
  return groups.flatMap((g) => VARIABLES[g] ?? []);
}

export function allVariables(): VarSpec[] {
  return Object.values(VARIABLES).flat();
}

/** The locale-free notification name of a template folder: `resolved.de` → `resolved`. */
export function baseName(folder: string): string {
  const dot = folder.indexOf('.');
  return dot < 0 ? folder : folder.slice(0, dot);
}
