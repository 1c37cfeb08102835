import type { Config } from '../config.js';
import { agentReplyAddress, trackerReplyAddress } from '../mail/auth.js';
import { LOOP_HEADER } from '../mail/screen/index.js';
import type { TemplateVars } from '../outbox/context.js';
import { outgoingHeaders, outgoingMessageId, type Notification, type Sender } from '../outbox/enqueue.js';
import { NOTIFICATIONS } from '../outbox/template-vars.js';
import type { Queryable } from '../store/db.js';
import type { TicketRow } from '../store/tickets.js';
import { customerThread, ticketRoot } from '../workflow/notify.js';

/** How one notification would be addressed and threaded, as the workflow that sends it does. */
export interface PreviewEnvelope {
  to: string;
  fromName: string | null;
  messageId: string;
  headers: Record<string, string>;
}

export interface EnvelopeInput {
  config: Config;
  sender: Sender;
  /** Signs the agent's (or tracker's) Reply-To, as the sender's database secret does. */
  secret: string;
  name: string;
  vars: TemplateVars;
  /** A real ticket: a customer mail answers its latest customer message. */
  ticket: { db: Queryable; row: TicketRow } | undefined;
}

/**
 * The envelope of `templates preview --eml`: the same headers as the real mail, built by the
 * sender's own code (outgoingHeaders), with the addressing of the workflow that sends each kind
 * (src/workflow/notify.ts mailCustomer/mailAgents, src/workflow/bugs.ts, src/receive.ts).
 */
export async function previewEnvelope(input: EnvelopeInput): Promise<PreviewEnvelope> {
  const { config, sender, secret, name, vars } = input;
  const spec = NOTIFICATIONS[name];
  const ref = vars.ticket.ref;
  if (spec?.noTicket) {
    // Ticketless mail (digest, stall alert) carries no ticket header and threads under nothing.
    const headers: Record<string, string> = { 'Reply-To': sender.helpdeskAddress, 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All', [LOOP_HEADER]: sender.loopToken };
    return { to: vars.agent?.email ?? config.adminAddress ?? config.helpdeskAddress, fromName: null, messageId: outgoingMessageId(sender, name, 'preview'), headers };
  }
  let n: Pick<Notification, 'replyTo' | 'autoSubmitted' | 'inReplyTo' | 'references'>;
  let to: string;
  let fromName: string | null = null;
  if (name === 'bug_report') {
    const tracker = config.trackers?.default;
    to = tracker?.kind === 'mail' ? tracker.address : 'tracker@example.invalid';
    n = { replyTo: trackerReplyAddress(config.helpdeskAddress, secret, ref, tracker?.name ?? 'tracker'), autoSubmitted: undefined, inReplyTo: undefined, references: [] };
  } else if (spec?.audience === 'customer') {
    to = vars.requester.email;
    const thread = input.ticket ? await customerThread(input.ticket.db, input.ticket.row.id) : { inReplyTo: `request.${ref}@example.invalid`, references: [] };
    const humanWritten = name === 'agent_reply';
    if (humanWritten && vars.agent) fromName = `${vars.agent.name} (${config.helpdeskName})`;
    const answers = name === 'received' || name === 'too_large' || thread.inReplyTo !== undefined;
    n = { replyTo: undefined, autoSubmitted: humanWritten ? undefined : answers ? 'auto-replied' : 'auto-generated', inReplyTo: thread.inReplyTo, references: thread.references };
  } else {
    to = vars.agent?.email ?? vars.ticket.assignee?.email ?? config.helpdeskAddress;
    n = { replyTo: agentReplyAddress(config.helpdeskAddress, secret, ref, to), autoSubmitted: 'auto-generated', inReplyTo: undefined, references: [ticketRoot(sender, ref)] };
  }
  const { headers } = outgoingHeaders(sender, { ...n, ticket: { ref } });
  return { to, fromName, messageId: outgoingMessageId(sender, ref, name), headers };
}
