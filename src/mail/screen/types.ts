import type { InboundMail } from '../parse.js';

/** What a mail is, as far as whether a human wrote it. */
export type MailKind = 'human' | 'auto-reply' | 'bounce' | 'loop';

export interface ScreenContext {
  helpdeskAddress: string;
  /** Our loop header's value; mail carrying it came from this helpdesk. */
  loopToken: string;
}

/** One check: a verdict with a reason, or undefined when it has nothing to say. */
export type ScreenCheck = (mail: InboundMail, ctx: ScreenContext) => { kind: MailKind; reason: string } | undefined;

export const LOOP_HEADER = 'X-Deskmail-Loop';
