import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

/** RFC 3464 actions that mean the mail went through (or on): nothing failed. */
const SUCCESS_ACTIONS = new Set(['delivered', 'relayed', 'expanded']);

/**
 * Reports that mail WAS delivered: a DSN whose every recipient says delivered/relayed/expanded
 * (RFC 3464 "success" notices, e.g. Exchange's "Delivered:" receipts), and read receipts (MDN,
 * RFC 8098). They run before the bounce checks, which would otherwise claim every
 * multipart/report. A DSN that mixes success and failure stays a bounce.
 */
export const deliveryNotice: ScreenCheck = (mail) => {
  if (mail.contentType !== 'multipart/report') return undefined;
  const contentType = header(mail, 'content-type') ?? '';
  if (/report-type\s*=\s*["']?disposition-notification/i.test(contentType)) {
    return { kind: 'delivery-notice', reason: 'multipart/report; report-type=disposition-notification (read receipt, RFC 8098)' };
  }
  if (!/report-type\s*=\s*["']?delivery-status/i.test(contentType)) return undefined;
  // mailparser hands an inline message/delivery-status part over as text; its Action fields are there.
  const actions = [...mail.text.slice(0, 100_000).matchAll(/^[ \t]*Action[ \t]*:[ \t]*([A-Za-z-]+)/gim)].map((m) => m[1]!.toLowerCase());
  if (actions.length > 0 && actions.every((a) => SUCCESS_ACTIONS.has(a))) {
    return { kind: 'delivery-notice', reason: `delivery-status report whose every recipient was ${[...new Set(actions)].join('/')} (success DSN, RFC 3464)` };
  }
  return undefined;
};
