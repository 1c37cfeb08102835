import { header, type InboundMail } from '../parse.js';
import type { ScreenCheck } from './types.js';

/** Precedence values that mean "no person is waiting for an answer" (RFC 3834 §3.1.8, RFC 2076). */
const AUTOMATED_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);

/** Headers autoresponders add instead of (or besides) Auto-Submitted. */
const AUTORESPONDER_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoresponse', 'x-autoreply-from', 'x-mail-autoreply'];

/**
 * Automatic replies and bulk mail by their headers: RFC 3834 Auto-Submitted (anything but "no"),
 * Precedence / X-Precedence bulk|junk|list|auto_reply, and the X-Autoreply family.
 *
 * X-Auto-Response-Suppress is deliberately NOT a verdict here. It asks the receiver not to send
 * automatic replies (MS-OXCMAIL §2.1.3.2.20); Exchange/Outlook put it on ordinary mail written by
 * people too, and helpdesks that treated it as "automated" lost real requests (Jitbit's
 * IsUselessEmail post-mortem, osTicket #726, Redmine #19558). It only counts together with
 * X-MS-Exchange-Inbox-Rules-Loop, in the out-of-office check (Zammad's rule).
 */
export const autoReply: ScreenCheck = (mail) => {
  const autoSubmitted = header(mail, 'auto-submitted')?.trim();
  if (autoSubmitted !== undefined && autoSubmitted !== '' && !/^no\b/i.test(autoSubmitted)) {
    return { kind: 'auto-reply', reason: `Auto-Submitted: ${autoSubmitted} (RFC 3834)` };
  }
  for (const name of ['precedence', 'x-precedence']) {
    const value = header(mail, name)?.trim().toLowerCase();
    if (value && AUTOMATED_PRECEDENCE.has(value)) return { kind: 'auto-reply', reason: `${name}: ${value}` };
  }
  for (const name of AUTORESPONDER_HEADERS) {
    const value = header(mail, name);
    if (value !== undefined && !/^\s*(no|false|0)\s*$/i.test(value)) return { kind: 'auto-reply', reason: `${name} header (autoresponder)` };
  }
  return undefined;
};

/**
 * Whether the sender asked not to receive automatic replies (X-Auto-Response-Suppress: All or
 * AutoReply, MS-OXCMAIL §2.1.3.2.20). Not a sign of automated mail (see above): a person's mail
 * may carry it. Whoever sends acknowledgements may honour it, as Exchange does for its own.
 */
export function asksForNoAutoReply(mail: InboundMail): boolean {
  const value = header(mail, 'x-auto-response-suppress');
  return value !== undefined && /\b(all|autoreply)\b/i.test(value);
}
