import { Readable } from 'node:stream';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Decision } from './mail/decision.js';
import { parseMail, UnparseableMailError, type InboundMail } from './mail/parse.js';
import { isSpooled, rawBuffer, rawSize, type RawMail } from './mail/raw-mail.js';
import { replyBody } from './mail/quotes.js';
import { screenMail } from './mail/screen/index.js';
import { cleanSubject, threadKeys } from './mail/thread.js';
import { requesterLanguage } from './mail/language.js';
import { enqueueNotification, type Sender } from './outbox/enqueue.js';
import type { TemplateRenderer } from './outbox/render.js';
import type { Db, Tx } from './store/db.js';
import { addEvent, eventInsert } from './store/events.js';
import { writeTogether } from './store/together.js';
import { addQuarantine, addReceipt, finishReceipt, recordCommittedUid, type ReceiptOutcome } from './store/ingest-log.js';
import { findTicketIdByMessageIds, insertAttachments, insertMessageOnce, messageExists } from './store/messages.js';
import { AttachmentStore } from './mail/attachments.js';
import type { SlaSettings } from './ticket/sla.js';
import { evaluateRules, triageDecisions, type RuleSet, type Triage } from './ticket/rules.js';
import { applyTriage } from './workflow/triage.js';
import { bounceDetails } from './mail/screen/bounce-details.js';
import { onDeliveryFailure } from './workflow/delivery-failure.js';
import { rescheduleTimers } from './workflow/timers.js';
import { participantInsert, findTicketById, findTicketByRef, insertTicket, touchTicket, type TicketRow } from './store/tickets.js';
import { planIntake, type ThreadMatch } from './ticket/intake.js';
import { ticketVars } from './workflow/notify.js';
import { authenticateAgent, authenticateTracker } from './mail/auth.js';
import { senderFacts } from './store/sender.js';
import { onAgentMail, onForgedAgentMail } from './workflow/agent-mail.js';
import { announceNewTicket, onCustomerReply } from './workflow/customer-reply.js';
import { onForgedTrackerMail, onTrackerMail, threadByTrackerKey, trackerMail, trackerPlan } from './workflow/tracker-mail.js';
import { csatClaim, onCsatMail, orphanRating } from './workflow/csat.js';

/** Where a raw mail came from; an IMAP origin's UID is recorded as committed in the same transaction (the ingress moves the checkpoint). */
export interface Origin {
  source: string;
  imap?: { mailbox: string; uidValidity: number; uid: number };
}

export interface ReceiveResult {
  outcome: ReceiptOutcome;
  reason: string;
  ticketRef: string | undefined;
  messageId: string | undefined;
  notifications: number;
}

export interface ReceiveDeps {
  db: Db;
  config: Config;
  renderer: TemplateRenderer;
  sender: Sender;
  secret: string;
  sla: SlaSettings;
  /** The rules in force (reloaded by the gateway when the file changes). */
  rules: () => RuleSet;
  log: Logger;
}

class Redelivery extends Error {}

/** Raw sources above this size are kept in the file store rather than in the messages row. */
const RAW_IN_ROW_LIMIT = 256 * 1024;

/**
 * ONE inbound mail, top to bottom: parse → screen → thread → plan → store (one transaction with
 * the notifications it causes and, for IMAP, its committed UID). Nothing is skipped silently: every mail
 * ends as a ticket message, a recorded drop/duplicate, or in quarantine.
 */
export async function receiveMail(deps: ReceiveDeps, raw: RawMail, origin: Origin): Promise<ReceiveResult> {
  const { db, config, sender } = deps;
  const mailbox = sender.mailbox;
  const checkpoint = async (tx: Tx): Promise<void> => {
    if (origin.imap) await recordCommittedUid(tx, origin.imap);
  };

  // Over the size limit: the text is kept, the attachments are not, and the sender is told.
  const size = rawSize(raw);
  const oversized = size > config.maxMessageBytes;
  const files = new AttachmentStore(config.attachmentsDir);
  const quarantine = async (reason: string): Promise<ReceiveResult> => {
    await db.transaction(async (tx) => {
      await addQuarantine(tx, { mailbox, source: origin.source, reason, raw: rawBuffer(raw) });
      await addReceipt(tx, { mailbox, source: origin.source, messageId: undefined, outcome: 'quarantined', reason, ticketId: undefined, decisions: [{ stage: 'parse', verdict: 'quarantined', reason }] });
      await checkpoint(tx);
    });
    deps.log.warn({ source: origin.source, reason }, 'mail quarantined');
    return { outcome: 'quarantined', reason, ticketRef: undefined, messageId: undefined, notifications: 0 };
  };
  let mail: InboundMail;
  try {
    mail = await parseMail(raw, { attachments: oversized ? undefined : files });
  } catch (err) {
    if (!(err instanceof UnparseableMailError)) throw err;
    return quarantine(err.message);
  }

  const decisions: Decision[] = [{ stage: 'parse', verdict: 'ok', reason: mail.hasOwnMessageId ? `Message-ID <${mail.messageId}>` : `no Message-ID; using <${mail.messageId}>` }];
  const screened = screenMail(mail, { helpdeskAddress: config.helpdeskAddress, loopToken: sender.loopToken });
  decisions.push(screened.decision);
  // A person's mail needs a sender; a bounce often has none ("MAILER-DAEMON <>") and is still handled.
  if (!mail.from && screened.kind === 'human') return quarantine('no usable From address');
  const from = mail.from ?? { address: 'mailer-daemon@unknown.invalid', name: undefined };
  const bounce = screened.kind === 'bounce' || screened.kind === 'feedback-report' ? bounceDetails(mail, rawBuffer(raw)) : undefined;
  if (bounce) {
    decisions.push({
      stage: 'bounce',
      verdict: bounce.recipients.length ? bounce.recipients.map((r) => `${r.address}${r.status ? ` ${r.status}` : ''}`).join(', ') : 'no recipient found',
      reason: bounce.originalMessageId ? `about our message <${bounce.originalMessageId}> (${bounce.originalMessageIdSource})` : 'the original message is not named',
    });
  }
  if (oversized) {
    decisions.push({ stage: 'size', verdict: 'too large', reason: `${size} bytes, over the ${config.maxMessageBytes}-byte limit: attachments not kept (the raw source is)` });
  }
  // Large sources go to the file store; the row keeps their hash. Written before the commit, like
  // attachments; a spooled mail (the IMAP ingress streams large mail there) is already in it.
  const rawFile = isSpooled(raw) ? { sha256: raw.sha256, size: raw.size } : raw.length > RAW_IN_ROW_LIMIT ? await files.save(Readable.from([raw])) : undefined;
  const keys = threadKeys(mail, { ticketPrefix: config.ticketPrefix, helpdeskAddress: config.helpdeskAddress });
  if (bounce?.originalMessageId) keys.messageIds.unshift(bounce.originalMessageId);
  const bouncedTicket = bounce?.originalHeaders?.['x-deskmail-ticket'];
  if (bouncedTicket && !keys.subjectRef) keys.subjectRef = bouncedTicket.trim().toUpperCase();
  const body = replyBody(mail);
  const rules = deps.rules();

  const record = async (tx: Tx, outcome: ReceiptOutcome, reason: string, ticketId: number | undefined, messageRowId?: number): Promise<void> => {
    await finishReceipt(tx, { mailbox, source: origin.source, messageId: mail.messageId, outcome, reason, ticketId, decisions }, { messageRowId, committedUid: origin.imap });
  };

  try {
    return await db.transaction(async (tx) => {
      if (await messageExists(tx, mailbox, mail.messageId)) throw new Redelivery();

      // The development tracker's mail threads by its item key too, and is never customer mail.
      const tracker = trackerMail(config, from.address, screened.kind);
      const { ticket, match } = await threadByTrackerKey(tx, tracker, { subject: mail.subject, text: body }, config.ticketPrefix, await findThread(tx, mailbox, keys));
      decisions.push(match ? { stage: 'thread', verdict: ticket!.ref, reason: `${match.key}: ${match.detail}` } : { stage: 'thread', verdict: 'none', reason: 'no ticket reference, plus address or known Message-ID' });
      // Agent and blocked-sender lookups in one statement; the tracker's mail needs neither.
      const facts = tracker ? undefined : await senderFacts(tx, from.address);
      const agent = screened.kind === 'human' ? facts?.agent : undefined;
      // A rating of a closed ticket (signed link, or a reply to its survey) stays on it: never reopens it, never opens a new one.
      const csat = screened.kind === 'human' && !agent ? await csatClaim(tx, { config, secret: deps.secret }, mail, ticket, body) : undefined;
      const closedLongAgo =
        !agent && !csat && ticket?.status === 'closed' && ticket.closed_at !== null && Date.now() - new Date(ticket.closed_at).getTime() > config.reopenWindowDays * 86_400_000;
      // A rating link for a ticket that does not exist is dropped with the reason, never opened as a request.
      const orphan = screened.kind === 'human' && !agent && !tracker ? orphanRating(mail, { config, secret: deps.secret }, ticket) : undefined;
      const plan = tracker ? trackerPlan(tracker, match) : (orphan ?? planIntake(screened.kind, match, { closedLongAgo, blockedSender: facts?.blocked ?? false }));
      decisions.push({ stage: 'plan', verdict: plan.action, reason: plan.reason });

      // Only a registered agent whose mail is authenticated may command (RT: authenticate first).
      let role: 'customer' | 'agent' | 'forged' = 'customer';
      let authReason = '';
      if (agent && plan.action === 'append') {
        const verdict = authenticateAgent(mail, { mode: config.agentAuth, trustedAuthservId: config.trustedAuthservId, secret: deps.secret, ticketRef: ticket!.ref, helpdeskAddress: config.helpdeskAddress });
        role = verdict.ok ? 'agent' : 'forged';
        authReason = verdict.ok ? verdict.method : verdict.reason;
        decisions.push({ stage: 'auth', verdict: verdict.ok ? `agent ${agent.email}` : 'refused', reason: authReason });
      }
      // A mail naming the tracker as sender meets the same bar before it may change anything.
      const trackerAuth = tracker && plan.action === 'append' ? authenticateTracker(mail, { mode: config.agentAuth, trustedAuthservId: config.trustedAuthservId, secret: deps.secret, ticketRef: ticket!.ref, helpdeskAddress: config.helpdeskAddress }, tracker.name) : undefined;
      if (trackerAuth) decisions.push({ stage: 'auth', verdict: trackerAuth.ok ? `tracker ${tracker!.name}` : 'refused', reason: trackerAuth.ok ? trackerAuth.method : trackerAuth.reason });

      if (plan.action === 'drop') {
        await record(tx, 'dropped', plan.reason, undefined);
        return { outcome: 'dropped' as const, reason: plan.reason, ticketRef: undefined, messageId: mail.messageId, notifications: 0 };
      }

      let target: TicketRow;
      let triage: Triage | undefined;
      if (plan.action === 'open') {
        // Admin rules (config/rules.yaml): category, priority, tags, team, SLA, and what to do on arrival.
        triage = evaluateRules(rules, { ...mail, text: body });
        decisions.push(...triageDecisions(triage));
        target = await insertTicket(tx, config.ticketPrefix, {
          subject: cleanSubject(mail.subject, config.ticketPrefix) || '(no subject)',
          requesterEmail: from.address,
          requesterName: from.name,
          followsUp: closedLongAgo ? ticket!.ref : undefined,
          priority: triage.priority,
          category: triage.category ?? null,
          tags: triage.tags,
          team: triage.team ?? null,
          slaPolicy: triage.sla && deps.sla.policies[triage.sla] ? triage.sla : null,
          language: requesterLanguage(mail.headers, body) ?? null,
        });
        // Participants and the history's first events: one statement (one round trip).
        await writeTogether(tx, [
          participantInsert(tx, target.id, { email: from.address, name: from.name, role: 'requester' }),
          // Each address once: parts of one statement do not see each other's rows.
          ...mail.cc
            .filter((cc, i) => cc.address !== config.helpdeskAddress && cc.address !== from.address && mail.cc.findIndex((c) => c.address === cc.address) === i)
            .map((cc) => participantInsert(tx, target.id, { email: cc.address, name: cc.name, role: 'cc' })),
          eventInsert(tx, target.id, 'created', from.address, { status: target.status, messageId: mail.messageId, ...(closedLongAgo ? { followsUp: ticket!.ref } : {}) }),
          closedLongAgo ? eventInsert(tx, ticket!.id, 'followed_up', from.address, { by: target.ref }) : undefined,
        ]);
      } else {
        target = ticket!;
      }

      const inserted = await insertMessageOnce(tx, {
        ticketId: target.id,
        mailbox,
        messageId: mail.messageId,
        // Agents' mail and automated mail (bounces, auto-replies) are records, not the customer's words.
        direction: role === 'agent' || screened.kind !== 'human' || tracker ? 'note' : 'in',
        suspicious: role === 'forged' || csat?.valid === false || trackerAuth?.ok === false,
        fromAddress: from.address,
        fromName: from.name,
        to: mail.to.map((m) => m.address),
        cc: mail.cc.map((m) => m.address),
        subject: mail.subject,
        body,
        bodyHtml: mail.html,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        raw: rawFile || isSpooled(raw) ? undefined : raw,
        rawFile,
        decisions,
        sentAt: mail.date,
      });
      if (inserted === undefined) throw new Redelivery(); // a concurrent gateway stored it first
      await insertAttachments(tx, inserted, mail.attachments.filter((a) => a.stored));

      let notifications = 0;
      const workflow = { config, renderer: deps.renderer, sender, secret: deps.secret, sla: deps.sla };
      if (plan.action === 'append') {
        await addEvent(tx, target.id, screened.kind === 'human' ? 'message_received' : `${screened.kind}_received`, from.address, { messageId: mail.messageId, ...(role !== 'customer' ? { role } : {}) });
        if (tracker && trackerAuth && !trackerAuth.ok) notifications += await onForgedTrackerMail(tx, target, tracker, from.address, trackerAuth, decisions);
        else if (tracker) notifications += await onTrackerMail(tx, workflow, target, tracker, { subject: mail.subject, body }, decisions);
        else if (role === 'agent') notifications += await onAgentMail(tx, workflow, target, agent!, body, decisions);
        else if (role === 'forged') notifications += await onForgedAgentMail(tx, workflow, target, agent!, { subject: mail.subject, from: from.address }, authReason);
        else if (csat) notifications += await onCsatMail(tx, workflow, target, from.address, csat, mail.messageId, decisions);
        else if (screened.kind === 'human') notifications += await onCustomerReply(tx, workflow, target, from, body);
        else if (bounce) notifications += await onDeliveryFailure(tx, target, screened.kind, bounce, decisions);
        else await touchTicket(tx, target.id);
        if (role === 'customer') decisions.push({ stage: 'notify', verdict: 'none', reason: 'replies are not acknowledged' });
      } else if (triage) {
        const applied = await applyTriage(tx, workflow, target, triage, rules, body, decisions);
        target = applied.ticket;
        notifications += applied.notifications;
      }
      // Automatic answers to the sender of this mail, threaded under it.
      const replyTo = mail.replyTo?.address ?? from.address;
      const autoReply = (kind: 'received' | 'too_large', message: string) =>
        enqueueNotification(tx, deps.renderer, sender, { kind, to: [replyTo], ticket: target, inReplyTo: mail.messageId, references: mail.references, context: notificationContext(config, target, message), autoSubmitted: 'auto-replied', storeOnTicket: true });
      if (plan.action === 'open' && plan.acknowledge && !triage?.spam && !triage?.skipAcknowledgment) {
        if (await autoReply('received', mail.text)) {
          notifications++;
          decisions.push({ stage: 'notify', verdict: 'received', reason: `acknowledgment queued to ${replyTo}` });
        } else {
          decisions.push({ stage: 'notify', verdict: 'suppressed', reason: `no acknowledgment to ${replyTo}: see the ticket's notification_suppressed event` });
        }
      }
      if (plan.action === 'open' && !triage?.spam) {
        const announced = await announceNewTicket(tx, workflow, target, body);
        notifications += announced;
        if (announced > 0) decisions.push({ stage: 'notify', verdict: 'new_ticket', reason: `announced to ${announced} triager(s)` });
      }
      if (oversized && screened.kind === 'human' && role !== 'forged') {
        const id = await autoReply('too_large', '');
        await addEvent(tx, target.id, 'attachments_refused', 'system', { bytes: size, limit: config.maxMessageBytes, count: mail.attachments.length });
        if (id) notifications++;
      }
      await rescheduleTimers(tx, workflow, target.id, { createdInThisTransaction: plan.action === 'open' });
      // The decision record is complete only now; the final version goes with the message (and the receipt).
      await record(tx, 'stored', plan.reason, target.id, inserted);
      return { outcome: 'stored' as const, reason: plan.reason, ticketRef: target.ref, messageId: mail.messageId, notifications };
    });
  } catch (err) {
    if (!(err instanceof Redelivery)) throw err;
    const reason = `duplicate of an already stored Message-ID <${mail.messageId}>`;
    decisions.push({ stage: 'dedupe', verdict: 'duplicate', reason });
    await db.transaction((tx) => record(tx, 'duplicate', reason, undefined));
    return { outcome: 'duplicate', reason, ticketRef: undefined, messageId: mail.messageId, notifications: 0 };
  }
}

async function findThread(tx: Tx, mailbox: string, keys: ReturnType<typeof threadKeys>): Promise<{ ticket: TicketRow | undefined; match: ThreadMatch }> {
  if (keys.plusRef) {
    const t = await findTicketByRef(tx, keys.plusRef);
    if (t) return { ticket: t, match: { key: 'plus-address', ref: t.ref, detail: `recipient +${keys.plusRef}` } };
  }
  if (keys.subjectRef) {
    const t = await findTicketByRef(tx, keys.subjectRef);
    if (t) return { ticket: t, match: { key: 'subject-tag', ref: t.ref, detail: `[${keys.subjectRef}] in the subject` } };
  }
  const byId = await findTicketIdByMessageIds(tx, mailbox, keys.messageIds);
  if (byId) {
    const t = await findTicketById(tx, byId.ticketId);
    if (t) return { ticket: t, match: { key: 'references', ref: t.ref, detail: `<${byId.messageId}>` } };
  }
  return { ticket: undefined, match: undefined };
}

/** The template variables of a fresh ticket (no assignee yet) with the customer's words. */
export function notificationContext(config: Config, ticket: TicketRow, message: string): Record<string, unknown> {
  return ticketVars(config, ticket, null, { message: { body: message, from: ticket.requester_email } }) as unknown as Record<string, unknown>;
}
