import { header } from '../parse.js';
import type { ScreenCheck } from './types.js';

/** Headers that list software adds (RFC 2369, RFC 2919, ezmlm, fml, Mailman's X-BeenThere). */
const LIST_HEADERS = ['list-id', 'list-unsubscribe', 'list-post', 'list-help', 'list-subscribe', 'list-owner', 'mailing-list', 'x-mlserver', 'x-ml-name', 'x-beenthere'];

/**
 * Mail sent through a mailing list or a bulk sender. Nobody waits for our answer, so it is
 * classed with automatic replies. Caveat for operators: a helpdesk address that is itself
 * a list (e.g. a Google Group) stamps List-Id on every mail; point the gateway at the real
 * mailbox instead.
 */
export const mailingList: ScreenCheck = (mail) => {
  for (const name of LIST_HEADERS) {
    const value = header(mail, name);
    if (value !== undefined) return { kind: 'auto-reply', reason: `${name} header (mailing list or bulk mail${value ? `: ${value.slice(0, 60)}` : ''})` };
  }
  return undefined;
};
