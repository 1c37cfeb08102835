import type { Decision } from '../decision.js';
import type { InboundMail } from '../parse.js';
import { autoReply } from './auto-reply.js';
import { bounce } from './bounce.js';
import { ownLoop } from './own-loop.js';
import type { MailKind, ScreenCheck, ScreenContext } from './types.js';

export type { MailKind, ScreenContext } from './types.js';
export { LOOP_HEADER } from './types.js';

/** The checks, in the order they run; the first verdict wins. Reads like a table of contents. */
const CHECKS: [string, ScreenCheck][] = [
  ['own-loop', ownLoop],
  ['bounce', bounce],
  ['auto-reply', autoReply],
];

export function screenMail(mail: InboundMail, ctx: ScreenContext): { kind: MailKind; decision: Decision } {
  for (const [stage, check] of CHECKS) {
    const verdict = check(mail, ctx);
    if (verdict) return { kind: verdict.kind, decision: { stage: `screen:${stage}`, verdict: verdict.kind, reason: verdict.reason } };
  }
  return { kind: 'human', decision: { stage: 'screen', verdict: 'human', reason: 'no automated-mail marker found' } };
}
