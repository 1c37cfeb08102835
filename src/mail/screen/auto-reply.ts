import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

/** Automatic replies and bulk mail (RFC 3834 and the headers the world uses instead). */
export const autoReply: ScreenCheck = (mail) => {
  const autoSubmitted = header(mail, 'auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted.trim().toLowerCase() !== 'no') {
    return { kind: 'auto-reply', reason: `Auto-Submitted: ${autoSubmitted.trim()}` };
  }
  for (const name of ['precedence', 'x-precedence']) {
    const value = header(mail, name)?.trim().toLowerCase();
    if (value && ['bulk', 'junk', 'list', 'auto_reply'].includes(value)) return { kind: 'auto-reply', reason: `${name}: ${value}` };
  }
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponse']) {
    if (header(mail, name) !== undefined) return { kind: 'auto-reply', reason: `${name} header` };
  }
  return undefined;
};
