import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { LOOP_HEADER } from '../mail/screen/index.js';
import { brakeReason } from '../outbox/brakes.js';
import type { DigestVars } from '../outbox/context.js';
import type { Sender } from '../outbox/enqueue.js';
import type { TemplateRenderer } from '../outbox/render.js';
import type { Tx } from '../store/db.js';
import { insertOutbox } from '../store/outbox.js';
import type { Rate, Report } from './kpis.js';
import { duration, percent } from './format-text.js';

function figure(label: string, r: Rate): DigestVars['figures'][number] {
  return { label, value: `${percent(r.rate)} (${r.count}/${r.total})`, target: r.target, met: r.met === true, missed: r.met === false };
}

/** The digest's figures: the same Report the CLI prints, cut to what fits a mail. */
export function digestVars(r: Report): DigestVars {
  return {
    since: r.since.slice(0, 10),
    until: r.until.slice(0, 10),
    figures: [
      { label: 'Tickets created / resolved', value: `${r.tickets.created} / ${r.tickets.resolved}`, target: null, met: false, missed: false },
      { label: 'First response (median, p90)', value: `${duration(r.firstResponse.overall.medianMinutes)}, ${duration(r.firstResponse.overall.p90Minutes)}`, target: null, met: false, missed: false },
      { label: 'Resolution (median, p90)', value: `${duration(r.resolution.overall.medianMinutes)}, ${duration(r.resolution.overall.p90Minutes)}`, target: null, met: false, missed: false },
      figure('First-contact resolution', r.firstContactResolution),
      figure('Reopened', r.reopened),
      figure('CSAT satisfied (4–5)', r.csat.satisfied),
      { label: 'CSAT average', value: r.csat.average === null ? '–' : `${r.csat.average} of 5 (${r.csat.responses} ratings)`, target: null, met: false, missed: false },
      figure('Escalated', r.escalation),
      figure('SLA first response met', r.sla.firstResponse),
      figure('SLA resolution met', r.sla.resolution),
    ],
    backlog: Object.entries(r.backlog.byStatus).map(([status, count]) => ({ status: status.replace(/_/g, ' '), count })),
    withoutPrevention: r.withoutPrevention.map((t) => `${t.ref}  ${t.subject}`),
    kbCandidates: r.kbCandidates.map((t) => `${t.ref}  ${t.subject}${t.note ? ` — ${t.note}` : ''}`),
  };
}

/**
 * Queues the weekly digest to each lead through the outbox (the sender delivers it like any
 * notification). It belongs to no ticket, so it is written here rather than by enqueueNotification;
 * the brakes still apply. Returns the addresses it was queued to.
 */
export async function enqueueDigest(tx: Tx, renderer: TemplateRenderer, sender: Sender, config: Config, people: { email: string; name: string }[], digest: DigestVars): Promise<string[]> {
  const queued: string[] = [];
  const domain = sender.helpdeskAddress.slice(sender.helpdeskAddress.lastIndexOf('@') + 1);
  for (const person of people) {
    if (await brakeReason(tx, person.email, undefined, [sender.helpdeskAddress])) continue;
    const rendered = renderer.render('weekly_digest', { helpdesk: { name: config.helpdeskName, address: config.helpdeskAddress }, agent: person, digest });
    await insertOutbox(tx, {
      ticketId: undefined,
      kind: 'weekly_digest',
      messageId: `digest.${digest.until}.${randomUUID()}@${domain}`,
      fromAddress: sender.helpdeskAddress,
      to: [person.email],
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: { 'Reply-To': sender.helpdeskAddress, 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All', [LOOP_HEADER]: sender.loopToken },
    });
    queued.push(person.email);
  }
  return queued;
}
