import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

/**
 * A spam complaint about mail we sent: ARF (RFC 5965), a multipart/report whose report-type is
 * feedback-report, as mailbox providers' feedback loops send it. It runs before the bounce
 * checks because complaints usually come from a null or postmaster sender too.
 */
export const feedbackReport: ScreenCheck = (mail) => {
  const contentType = header(mail, 'content-type') ?? '';
  if (mail.contentType === 'multipart/report' && /report-type\s*=\s*["']?feedback-report/i.test(contentType)) {
    return { kind: 'feedback-report', reason: 'multipart/report; report-type=feedback-report (ARF spam complaint, RFC 5965)' };
  }
  if (mail.attachments.some((a) => a.contentType === 'message/feedback-report')) {
    return { kind: 'feedback-report', reason: 'carries a message/feedback-report part (ARF spam complaint, RFC 5965)' };
  }
  return undefined;
};
