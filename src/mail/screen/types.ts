import type { InboundMail } from '../parse.js';

/**
 * What a mail is, as far as whether a human wrote it:
 * - human: a person wrote it; it may open a ticket and be acknowledged;
 * - auto-reply: an automatic answer (RFC 3834), out-of-office, or list/bulk mail;
 * - bounce: a delivery failure (or delay) report about mail someone sent — see bounceDetails();
 * - feedback-report: a spam complaint about mail someone sent (ARF, RFC 5965);
 * - delivery-notice: a report that mail WAS delivered/relayed, or a read receipt (RFC 8098);
 * - loop: our own mail coming back.
 * Only 'human' may open a ticket or be answered automatically.
 */
export type MailKind = 'human' | 'auto-reply' | 'bounce' | 'feedback-report' | 'delivery-notice' | 'loop';

/** Every automated kind: a mail of these kinds is never answered and never opens a ticket. */
export const AUTOMATED_KINDS: readonly Exclude<MailKind, 'human'>[] = ['auto-reply', 'bounce', 'feedback-report', 'delivery-notice', 'loop'];

export interface ScreenContext {
  helpdeskAddress: string;
  /** Our loop header's value; mail carrying it came from this helpdesk. */
  loopToken: string;
}

/** What one check decided, with a reason a person can read in the decision record. */
export interface ScreenVerdict {
  kind: Exclude<MailKind, 'human'>;
  reason: string;
}

/** One check: a verdict with a reason, or undefined when it has nothing to say. */
export type ScreenCheck = (mail: InboundMail, ctx: ScreenContext) => ScreenVerdict | undefined;

export const LOOP_HEADER = 'X-Deskmail-Loop';
