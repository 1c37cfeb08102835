import type { Decision } from '../decision.js';
import type { InboundMail } from '../parse.js';
import { autoReply } from './auto-reply.js';
import { bounceText } from './bounce-text.js';
import { bounce } from './bounce.js';
import { deliveryNotice } from './delivery-notice.js';
import { feedbackReport } from './feedback-report.js';
import { mailingList } from './mailing-list.js';
import { outOfOffice } from './out-of-office.js';
import { ownLoop } from './own-loop.js';
import { sesNotification } from './ses-notification.js';
import type { MailKind, ScreenCheck, ScreenContext } from './types.js';

export type { MailKind, ScreenCheck, ScreenContext, ScreenVerdict } from './types.js';
export { AUTOMATED_KINDS, LOOP_HEADER } from './types.js';
export { bounceDetails, isPermanentFailure, type BounceDetails, type BounceRecipient } from './bounce-details.js';
export { asksForNoAutoReply } from './auto-reply.js';
export { isDaemonAddress } from './bounce.js';

/**
 * The checks, in the order they run; the first verdict wins. Reads like a table of contents.
 * Why this order:
 * 1. own-loop first: our own mail coming back is dropped whatever else it looks like.
 * 2. feedback-report and delivery-notice before the bounce checks: ARF complaints, success DSNs
 *    and read receipts are multipart/reports from mail systems too, and would pass for bounces.
 * 3. ses-notification: Amazon SES reports all three as JSON, with no DSN marker at all.
 * 4. bounce (DSN structure, NDR headers, null and daemon senders), then bounce-text (bounces
 *    without any of those) before the auto-reply checks: most bounces also say
 *    Auto-Submitted, and a bounce must be recognised as one to find the failed recipient.
 * 5. auto-reply (RFC 3834 and autoresponder headers), out-of-office (Exchange and vacation
 *    subjects), mailing-list (List-* headers) last: the weakest claim that no person waits.
 */
const CHECKS: [string, ScreenCheck][] = [
  ['own-loop', ownLoop],
  ['feedback-report', feedbackReport],
  ['delivery-notice', deliveryNotice],
  ['ses-notification', sesNotification],
  ['bounce', bounce],
  ['bounce-text', bounceText],
  ['auto-reply', autoReply],
  ['out-of-office', outOfOffice],
  ['mailing-list', mailingList],
];

/** The names of the checks in the order they run (for documentation and tests). */
export const SCREEN_CHECKS: readonly string[] = CHECKS.map(([stage]) => stage);

export function screenMail(mail: InboundMail, ctx: ScreenContext): { kind: MailKind; decision: Decision } {
  for (const [stage, check] of CHECKS) {
    const verdict = check(mail, ctx);
    if (verdict) return { kind: verdict.kind, decision: { stage: `screen:${stage}`, verdict: verdict.kind, reason: verdict.reason } };
  }
  return { kind: 'human', decision: { stage: 'screen', verdict: 'human', reason: 'no automated-mail marker found' } };
}
