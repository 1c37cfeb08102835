import type { MailKind } from '../mail/screen/index.js';

/** Which key tied a mail to an existing ticket. */
export type ThreadMatch = { key: 'plus-address' | 'subject-tag' | 'references' | 'tracker-key'; ref: string; detail: string } | undefined;

export type IntakePlan =
  | { action: 'open'; acknowledge: boolean; reason: string }
  | { action: 'append'; acknowledge: false; reason: string }
  | { action: 'drop'; reason: string };

/**
 * What an inbound mail does to the ticket store, decided from what it is and what it threads to.
 * Pure: the table of cases is tested directly.
 */
export function planIntake(kind: MailKind, match: ThreadMatch, opts: { closedLongAgo?: boolean; blockedSender?: boolean } = {}): IntakePlan {
  if (kind === 'loop') return { action: 'drop', reason: 'our own mail came back (loop)' };
  if (opts.blockedSender) return { action: 'drop', reason: 'the sender is blocked (#spam)' };
  if (match && opts.closedLongAgo && kind === 'human') {
    return { action: 'open', acknowledge: true, reason: `new request following up ${match.ref}, closed too long ago to reopen` };
  }
  if (match) {
    if (kind === 'human') return { action: 'append', acknowledge: false, reason: `reply to ${match.ref} (by ${match.key})` };
    return { action: 'append', acknowledge: false, reason: `${kind} about ${match.ref} recorded without a reply` };
  }
  // Automated mail never opens a ticket (nor gets an acknowledgment): that is how loops start.
  if (kind !== 'human') return { action: 'drop', reason: `${kind === 'auto-reply' ? 'automatic reply' : kind} for no known ticket` };
  return { action: 'open', acknowledge: true, reason: 'new request' };
}
