import { header } from '../parse.js';
import { LOOP_HEADER, type ScreenCheck } from './types.js';

/** Our own notification coming back to us (Zammad's own_notification_loop_detection). */
export const ownLoop: ScreenCheck = (mail, ctx) => {
  const loop = mail.headers.get(LOOP_HEADER.toLowerCase()) ?? [];
  if (loop.some((v) => v.trim().toLowerCase() === ctx.loopToken)) return { kind: 'loop', reason: `carries our ${LOOP_HEADER} header` };
  if (mail.from?.address === ctx.helpdeskAddress) return { kind: 'loop', reason: `sent from the helpdesk address ${ctx.helpdeskAddress}` };
  if (header(mail, 'x-deskmail-ticket') !== undefined && mail.from?.address === ctx.helpdeskAddress) {
    return { kind: 'loop', reason: 'our own notification' };
  }
  return undefined;
};
