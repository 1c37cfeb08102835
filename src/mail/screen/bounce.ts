import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

/** Local parts that only mail systems send from (RFC 5321 §4.5.1, RFC 2142, and common variants). */
export const DAEMON_LOCAL_PART = /^(mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|post[-_.]master|mail[-_.]delivery[-_.](system|subsystem))$/i;

/** True for MAILER-DAEMON@…, postmaster@…, and the bare MAILER-DAEMON some MTAs write. */
export function isDaemonAddress(address: string): boolean {
  const local = address.trim().replace(/^<|>$/g, '').split('@')[0] ?? '';
  return DAEMON_LOCAL_PART.test(local);
}

/**
 * Vendor headers that only non-delivery reports carry, with who writes them. Several also name
 * the failed recipient (read by bounceDetails).
 */
const NDR_HEADERS: [string, string][] = [
  ['x-failed-recipients', 'Exim and others'],
  ['x-mailer-daemon-recipients', 'Gmail/au one'],
  ['x-mailer-daemon-error', 'mailer-daemon'],
  ['x-ms-exchange-message-is-ndr', 'Microsoft Exchange'],
  ['x-dsncontext', 'Microsoft Exchange 2003'],
  ['x-bounced-address', 'bounce-handling MTAs'],
  ['x-mx-bounce', 'MX bounce handler'],
];

/**
 * Delivery status notifications (RFC 3464) and the headers and senders that mark a bounce.
 * Success notices and ARF complaints (also multipart/report) are taken by earlier checks.
 */
export const bounce: ScreenCheck = (mail) => {
  const contentType = header(mail, 'content-type') ?? '';
  if (mail.contentType === 'multipart/report') {
    const type = /report-type\s*=\s*["']?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase();
    return { kind: 'bounce', reason: type ? `multipart/report; report-type=${type}` : 'multipart/report without a report-type (a DSN with its parameter lost)' };
  }
  if (mail.attachments.some((a) => a.contentType === 'message/delivery-status' || a.contentType === 'message/global-delivery-status')) {
    return { kind: 'bounce', reason: 'carries a message/delivery-status part (RFC 3464)' };
  }
  for (const [name, vendor] of NDR_HEADERS) {
    if (header(mail, name) !== undefined) return { kind: 'bounce', reason: `${name} header (non-delivery report by ${vendor})` };
  }
  const ndrHeader = [...mail.headers.keys()].find((name) => name.startsWith('x-sef-ndr-'));
  if (ndrHeader) return { kind: 'bounce', reason: `${ndrHeader} header (non-delivery report)` };

  const returnPath = header(mail, 'return-path')?.trim();
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) return { kind: 'bounce', reason: 'null Return-Path <> (RFC 5321 §4.5.5: sent by a mail system)' };
  if (returnPath !== undefined && isDaemonAddress(returnPath)) return { kind: 'bounce', reason: `Return-Path ${returnPath} is a mail system` };

  const from = header(mail, 'from')?.trim();
  if (from !== undefined && (from === '' || /<\s*>\s*$/.test(from))) return { kind: 'bounce', reason: `null sender in From: ${from || '(empty)'}` };
  if (mail.from && isDaemonAddress(mail.from.address)) return { kind: 'bounce', reason: `sender ${mail.from.address} is a mail system` };
  if (!mail.from && from !== undefined && /\b(mailer[-_]?daemon|postmaster)\b/i.test(from)) return { kind: 'bounce', reason: `sender "${from}" is a mail system` };
  return undefined;
};
