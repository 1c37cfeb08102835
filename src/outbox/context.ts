/**
 * The one variable set every notification template sees. Every key is always present (null or
 * false when it does not apply), so templates compile in strict mode and an admin can rely on the
 * documented names. Customer- and agent-written text enters only as data.
 */
export interface TemplateVars {
  helpdesk: { name: string; address: string };
  ticket: {
    ref: string;
    subject: string;
    status: string;
    statusText: string;
    priority: string;
    category: string | null;
    tags: string[];
    assignee: { name: string; email: string } | null;
    resolution: string | null;
    mergedInto: string | null;
  };
  requester: { email: string; name: string | null };
  /** The agent this mail is about or from: the signer of a reply, the new assignee, the commander. */
  agent: { name: string; email: string } | null;
  /** The note given with a command (#escalate/#resolve/#project reason; the target ref of #merge). */
  note: string | null;
  /** The mail text this notification carries: the customer's (new ticket, reply) or the agent's reply. */
  message: { body: string; from: string } | null;
  /** In an agent's reply to the customer: what the same mail changed, told in the same message. */
  updates: { workBegun: boolean; waitingForYou: boolean; escalated: boolean; resolved: boolean; closed: boolean; project: boolean; merged: boolean };
  /** command_result: each command line and what became of it. */
  results: { line: string; ok: boolean; message: string }[];
  applied: boolean;
  warnings: string[];
  /** command_result for #help: the verbs with their usage. */
  verbs: string[] | null;
  /** forged_warning: the mail that claimed to be the agent. */
  forged: { from: string; subject: string; reason: string } | null;
  /** resolved: how long the customer has to say it is not fixed before it closes. */
  verifyWindowHours: number;
  /** too_large: the per-message size limit, in MB. */
  sizeLimitMb: number;
  /** sla_alert / update_reminder: what is due or overdue. */
  alert: { kind: string; title: string; dueAt: string } | null;
  /** csat / csat_thanks / csat_low: the one-click rating links, and the rating given (see src/workflow/csat.ts). */
  csat: { links: { rating: number; label: string; href: string }[]; rating: number | null; label: string | null; comment: string | null; windowDays: number } | null;
  /** weekly_digest: the KPI figures beside their targets (see src/report/digest.ts). */
  digest: DigestVars | null;
  /** bug_report (to the tracker) / bug_update (to the assignee): the development-tracker item. */
  bug: BugVars | null;
  /** fetch_stalled: the mailbox whose fetching stopped (or resumed); see src/workflow/stall-alert.ts. */
  stall: { recovered: boolean; mailbox: string; since: string; reason: string; at: string } | null;
}

export interface BugVars {
  summary: string;
  key: string | null;
  tracker: string;
  /** The agent's steps (the text after the #bug line). */
  steps: string | null;
  /** Names of the ticket's attachments, listed in the report. */
  attachments: string[];
  /** Where the tracker's answers go: the ticket's plus address. */
  replyAddress: string;
  /** bug_update: the tracker says the item is done. */
  done: boolean;
  /** bug_update: this ticket is linked to an item filed from another ticket. */
  knownIssue: boolean;
  otherTicket: string | null;
  /** bug_update: the tracker's words (quotes stripped). */
  update: string | null;
}

export interface DigestVars {
  since: string;
  until: string;
  /** `met`/`missed` both false when there is no target or no data. */
  figures: { label: string; value: string; target: string | null; met: boolean; missed: boolean }[];
  backlog: { status: string; count: number }[];
  withoutPrevention: string[];
  kbCandidates: string[];
}

export type TemplateVarsInput = Pick<TemplateVars, 'helpdesk' | 'ticket' | 'requester'> & Partial<Omit<TemplateVars, 'helpdesk' | 'ticket' | 'requester'>>;

export const NO_UPDATES: TemplateVars['updates'] = { workBegun: false, waitingForYou: false, escalated: false, resolved: false, closed: false, project: false, merged: false };

export function templateVars(input: TemplateVarsInput): TemplateVars {
  return {
    agent: null,
    note: null,
    message: null,
    updates: NO_UPDATES,
    results: [],
    applied: false,
    warnings: [],
    verbs: null,
    forged: null,
    verifyWindowHours: 48,
    sizeLimitMb: 35,
    alert: null,
    csat: null,
    digest: null,
    bug: null,
    stall: null,
    ...input,
  };
}
