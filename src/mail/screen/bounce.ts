import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

const DAEMON_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;

/** Delivery status notifications (RFC 3464) and the bounces that imitate them. */
export const bounce: ScreenCheck = (mail) => {
  if (/multipart\/report/.test(mail.contentType) && /report-type=["']?delivery-status/i.test(header(mail, 'content-type') ?? '')) {
    return { kind: 'bounce', reason: 'multipart/report; report-type=delivery-status' };
  }
  if (header(mail, 'x-failed-recipients') !== undefined) return { kind: 'bounce', reason: 'X-Failed-Recipients header' };
  const returnPath = header(mail, 'return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath.trim())) return { kind: 'bounce', reason: 'null Return-Path <>' };
  if (mail.from && DAEMON_SENDER.test(mail.from.address)) return { kind: 'bounce', reason: `sender ${mail.from.address}` };
  return undefined;
};
