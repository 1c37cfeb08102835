import { describe, expect, it } from 'vitest';
import { cleanSubject, threadKeys, type ThreadKeys } from '../../src/mail/thread.js';
import { parsedMessage } from '../support/raw-mail.js';

const OPTS = { ticketPrefix: 'HD', helpdeskAddress: 'support@helpdesk.test' };

async function keysOf(headerLines: string[]): Promise<ThreadKeys> {
  return threadKeys(await parsedMessage(['From: Ann <ann@example.test>', 'Message-ID: <new@example.test>', ...headerLines]), OPTS);
}

describe('threadKeys: the subject tag', () => {
  const cases: [string, string, string | undefined][] = [
    ['a reply keeps our tag', 'Re: [HD-42] Printer on fire', 'HD-42'],
    ['the tag is found anywhere in the subject', 'Still broken (see [HD-42]) please help', 'HD-42'],
    ['a lower-case tag counts', 'Re: [hd-42] printer', 'HD-42'],
    ['a mixed-case tag counts', 'AW: [Hd-7] Drucker', 'HD-7'],
    ['the first tag wins when there are two', 'Re: [HD-3] merged into [HD-4]', 'HD-3'],
    ['an untagged subject has none', 'Printer on fire', undefined],
    ['a tag without brackets is not ours', 'About HD-42', undefined],
    ['another prefix is not ours', 'Re: [IT-42] Printer', undefined],
    ['a tag without a number is not ours', 'Re: [HD-] Printer', undefined],
  ];
  it.each(cases)('%s: %j → %s', async (_name, subject, expected) => {
    expect((await keysOf([`Subject: ${subject}`])).subjectRef).toBe(expected);
  });

  it('follows the configured prefix', async () => {
    const mail = await parsedMessage(['From: ann@example.test', 'Subject: Re: [IT-9] VPN']);
    expect(threadKeys(mail, { ticketPrefix: 'IT', helpdeskAddress: OPTS.helpdeskAddress }).subjectRef).toBe('IT-9');
  });
});

describe('threadKeys: the plus address', () => {
  const cases: [string, string[], string | undefined][] = [
    ['in To', ['To: support+HD-7@helpdesk.test'], 'HD-7'],
    ['in Cc', ['To: someone@example.test', 'Cc: Support <support+HD-7@helpdesk.test>'], 'HD-7'],
    ['lower-case, and case-insensitive in the local part and domain', ['To: Support+hd-7@HelpDesk.Test'], 'HD-7'],
    ['only in Delivered-To (the MTA kept the envelope recipient)', ['To: support@helpdesk.test', 'Delivered-To: support+HD-7@helpdesk.test'], 'HD-7'],
    ['only in X-Original-To', ['To: undisclosed-recipients:;', 'X-Original-To: support+HD-7@helpdesk.test'], 'HD-7'],
    ['with a further detail after the reference', ['To: support+HD-7.token123@helpdesk.test'], 'HD-7'],
    ['not for another domain', ['To: support+HD-7@elsewhere.test'], undefined],
    ['not for another local part', ['To: sales+HD-7@helpdesk.test'], undefined],
    ['not for a plus detail that is no reference', ['To: support+billing@helpdesk.test'], undefined],
    ['not for the bare helpdesk address', ['To: support@helpdesk.test'], undefined],
  ];
  it.each(cases)('%s', async (_name, headerLines, expected) => {
    expect((await keysOf(['Subject: hello', ...headerLines])).plusRef).toBe(expected);
  });
});

describe('threadKeys: Message-IDs to look up', () => {
  const cases: [string, string[], string[]][] = [
    ['none without In-Reply-To or References', [], []],
    ['In-Reply-To alone', ['In-Reply-To: <a@x>'], ['a@x']],
    ['References newest first', ['References: <a@x> <b@x> <c@x>'], ['c@x', 'b@x', 'a@x']],
    ['In-Reply-To before References, newest first', ['In-Reply-To: <p@x>', 'References: <a@x> <b@x>'], ['p@x', 'b@x', 'a@x']],
    ['an id that is in both appears once, where In-Reply-To puts it', ['In-Reply-To: <b@x>', 'References: <a@x> <b@x>'], ['b@x', 'a@x']],
    ['a folded References header', ['References: <a@x>\n <b@x>\n\t<c@x>'], ['c@x', 'b@x', 'a@x']],
  ];
  it.each(cases)('%s', async (_name, headerLines, expected) => {
    expect((await keysOf(['Subject: hello', ...headerLines])).messageIds).toEqual(expected);
  });
});

describe('cleanSubject: what a new ticket is called', () => {
  const cases: [string, string][] = [
    ['Printer on fire', 'Printer on fire'],
    ['Re: Printer on fire', 'Printer on fire'],
    ['RE: Re: re: Printer on fire', 'Printer on fire'],
    ['Fwd: Printer on fire', 'Printer on fire'],
    ['FW: Printer on fire', 'Printer on fire'],
    ['AW: WG: Drucker brennt', 'Drucker brennt'],
    ['SV: Skrivaren brinner', 'Skrivaren brinner'],
    ['Re: Fwd: AW: SV: Printer on fire', 'Printer on fire'],
    ['Re[2]: Printer on fire', 'Printer on fire'],
    ['Re : Printer on fire', 'Printer on fire'],
    ['[HD-42] Printer on fire', 'Printer on fire'],
    ['Re: [HD-42] Printer on fire', 'Printer on fire'],
    ['Re: [hd-42] Re: Printer on fire', 'Printer on fire'],
    ['Printer [HD-42] on fire', 'Printer on fire'],
    ['Re: [IT-42] Printer on fire', '[IT-42] Printer on fire'],
    ['Reminder: invoice overdue', 'Reminder: invoice overdue'],
    ['Printer on fire (Re: yesterday)', 'Printer on fire (Re: yesterday)'],
    ['Re:', ''],
    ['  lots   of   space  ', 'lots of space'],
  ];
  it.each(cases)('%j → %j', (subject, expected) => {
    expect(cleanSubject(subject, 'HD')).toBe(expected);
  });
});
