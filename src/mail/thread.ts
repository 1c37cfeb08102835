import type { InboundMail } from './parse.js';

/** The references an inbound mail carries that may tie it to an existing ticket. */
export interface ThreadKeys {
  /** support+HD-42@… among the recipients. */
  plusRef: string | undefined;
  /** [HD-42] in the subject. */
  subjectRef: string | undefined;
  /** In-Reply-To first, then References newest first. */
  messageIds: string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function threadKeys(mail: InboundMail, opts: { ticketPrefix: string; helpdeskAddress: string }): ThreadKeys {
  const [local, domain] = opts.helpdeskAddress.split('@') as [string, string];
  const prefix = escapeRegExp(opts.ticketPrefix);
  const plus = new RegExp(`^${escapeRegExp(local)}\\+(${prefix}-\\d+)(?:[.+][^@]*)?@${escapeRegExp(domain)}$`, 'i');
  let plusRef: string | undefined;
  for (const r of mail.recipients) {
    const m = plus.exec(r);
    if (m) {
      plusRef = m[1]!.toUpperCase();
      break;
    }
  }
  const subjectMatch = new RegExp(`\\[(${prefix}-\\d+)\\]`, 'i').exec(mail.subject);
  const ids: string[] = [];
  for (const id of [mail.inReplyTo, ...[...mail.references].reverse()]) {
    if (id && !ids.includes(id)) ids.push(id);
  }
  return { plusRef, subjectRef: subjectMatch ? subjectMatch[1]!.toUpperCase() : undefined, messageIds: ids };
}

/** The subject without reply/forward prefixes and our tag: what a new ticket is called. */
export function cleanSubject(subject: string, ticketPrefix: string): string {
  let s = subject.replace(new RegExp(`\\s*\\[${escapeRegExp(ticketPrefix)}-\\d+\\]\\s*`, 'gi'), ' ');
  for (;;) {
    const next = s.replace(/^\s*(re|fwd?|aw|wg|sv|vs|antw|r|tr|rif|odp)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return s.replace(/\s+/g, ' ').trim();
}
