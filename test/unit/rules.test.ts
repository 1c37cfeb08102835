import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { InboundMail } from '../../src/mail/parse.js';
import { loadRules, parseRules, shippedRulesPath } from '../../src/rules-file.js';
import {
  compileRules,
  DEFAULT_DUPLICATE_POLICY,
  duplicateSubjectKey,
  evaluateRules,
  findNearDuplicate,
  isNearDuplicate,
  subjectSimilarity,
  triageDecisions,
  vipEntryFor,
  type Actions,
  type Condition,
  type RuleSet,
  type RuleSetSpec,
  type Triage,
} from '../../src/ticket/rules.js';
import { parsedMessage } from '../support/raw-mail.js';

const CUSTOMER = ['From: Ann Customer <ann@example.test>', 'To: support@helpdesk.test', 'Message-ID: <m1@example.test>'];

function mail(subject: string, body = 'Hello,\n\nthanks.\n', extra: string[] = []): Promise<InboundMail> {
  return parsedMessage([...CUSTOMER, `Subject: ${subject}`, ...extra], body);
}

/** A mail with one PDF attachment (and a text part). */
function mailWithAttachment(filename: string, contentType: string): Promise<InboundMail> {
  const body = [
    '--b1',
    'Content-Type: text/plain',
    '',
    'See attached.',
    '--b1',
    `Content-Type: ${contentType}; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    'JVBERi0xLjQK',
    '--b1--',
    '',
  ].join('\n');
  return parsedMessage([...CUSTOMER, 'Subject: Files', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"'], body);
}

function oneRule(when: Condition, opts: { vip?: string[] } = {}): RuleSet {
  return compileRules({ vip: { senders: opts.vip ?? [] }, rules: [{ name: 'r', when, then: { tags: ['hit'] } }] });
}

/** The reason the single rule matched, or undefined. */
function reasonFor(when: Condition, m: InboundMail, opts: { vip?: string[] } = {}): string | undefined {
  return evaluateRules(oneRule(when, opts), m).matched[0]?.reason;
}

describe('conditions', () => {
  type Case = [string, Condition, () => Promise<InboundMail>, string | undefined, { vip?: string[] }?];
  const cases: Case[] = [
    // subject / body / text with contains
    ['subject contains a keyword, whatever its case', { subject: { contains: ['refund'] } }, () => mail('REFUND please'), 'subject contains "refund"'],
    ['subject contains ignores the body', { subject: { contains: ['refund'] } }, () => mail('Hello', 'refund please'), undefined],
    ['body contains a phrase broken over two lines', { body: { contains: ['credit card'] } }, () => mail('Hello', 'my credit\ncard was declined'), 'body contains "credit card"'],
    ['body contains any of several keywords', { body: { contains: ['alpha', 'beta'] } }, () => mail('Hello', 'beta test'), 'body contains "beta"'],
    ['text looks at the subject', { text: { contains: ['invoice'] } }, () => mail('Invoice 12'), 'subject contains "invoice"'],
    ['text looks at the body', { text: { contains: ['invoice'] } }, () => mail('Hello', 'about invoice 12'), 'body contains "invoice"'],
    // words
    ['words match a whole word', { subject: { words: ['refund'] } }, () => mail('A refund, please'), 'subject has the word "refund"'],
    ['words do not match inside a longer word', { subject: { words: ['refund'] } }, () => mail('Refunds'), undefined],
    ['a word ending in * matches any ending', { subject: { words: ['refund*'] } }, () => mail('Refunds'), 'subject has the word "refund*" ("refunds")'],
    ['words match a phrase across extra spaces', { subject: { words: ['system down'] } }, () => mail('System   down since 9'), 'subject has the word "system down"'],
    ['word boundaries are Unicode-aware (no "ber" in "über")', { body: { words: ['ber'] } }, () => mail('Hi', 'Das ist über alles'), undefined],
    ['words match non-ASCII words', { body: { words: ['störung'] } }, () => mail('Hi', 'Große Störung!'), 'body has the word "störung"'],
    ['non-ASCII words are whole words too', { body: { words: ['störung'] } }, () => mail('Hi', 'Störungen'), undefined],
    ['a typographic apostrophe is an apostrophe', { body: { words: ["doesn't work"] } }, () => mail('Hi', 'It doesn\u2019t work.'), 'body has the word "doesn\'t work"'],
    ['a number is a word (error code)', { subject: { words: ['500'] } }, () => mail('Error 500 on login'), 'subject has the word "500"'],
    ['a number inside a longer number is not', { subject: { words: ['500'] } }, () => mail('Order 15001'), undefined],
    // regex
    ['a regex is case-insensitive by default', { subject: { regex: 'order\\s+#?\\d+' } }, () => mail('ORDER #123 missing'), 'subject matches /order\\s+#?\\d+/i ("ORDER #123")'],
    ['a /regex/ without i is case-sensitive', { subject: { regex: '/^URGENT/' } }, () => mail('urgent: help'), undefined],
    ['a /regex/ without i still matches its own case', { subject: { regex: '/^URGENT/' } }, () => mail('URGENT: help'), 'subject matches /^URGENT/ ("URGENT")'],
    ['a /regex/m matches line starts in the body', { body: { regex: '/^Version: 2\\./m' } }, () => mail('Hi', 'Hello\nVersion: 2.4\n'), 'body matches /^Version: 2\\./m ("Version: 2.")'],
    // equals
    ['equals compares the whole value, case-insensitive', { subject: { equals: ['hello'] } }, () => mail('Hello'), 'subject equals "hello"'],
    ['equals does not match a longer value', { subject: { equals: ['hello'] } }, () => mail('Hello world'), undefined],
    // sender
    ['from equals the sender address', { from: { equals: ['ann@example.test'] } }, () => mail('Hi'), 'sender "ann@example.test" equals "ann@example.test"'],
    ['from is the address, not the display name', { from: { contains: ['customer'] } }, () => mail('Hi'), undefined],
    ['from_domain equals the sender domain', { from_domain: { equals: ['EXAMPLE.test'] } }, () => mail('Hi'), 'sender domain "example.test" equals "EXAMPLE.test"'],
    ['from_domain does not match another domain', { from_domain: { equals: ['other.test'] } }, () => mail('Hi'), undefined],
    // recipients
    ['to matches a plus address in To', { to: { contains: ['+billing@'] } }, () => parsedMessage(['From: ann@example.test', 'To: support+billing@helpdesk.test', 'Subject: x']), 'recipient "support+billing@helpdesk.test" contains "+billing@"'],
    ['to matches an alias seen only in Delivered-To', { to: { equals: ['billing@helpdesk.test'] } }, () => mail('Hi', undefined, ['Delivered-To: billing@helpdesk.test']), 'recipient "billing@helpdesk.test" equals "billing@helpdesk.test"'],
    ['to matches a Cc recipient', { to: { equals: ['sales@helpdesk.test'] } }, () => mail('Hi', undefined, ['Cc: Sales <sales@helpdesk.test>']), 'recipient "sales@helpdesk.test" equals "sales@helpdesk.test"'],
    ['to does not match an address that is not there', { to: { equals: ['sales@helpdesk.test'] } }, () => mail('Hi'), undefined],
    // headers
    ['header exists', { header: { name: 'X-Priority', exists: true } }, () => mail('Hi', undefined, ['X-Priority: 1']), 'header X-Priority is present'],
    ['header exists is false when it is absent', { header: { name: 'X-Priority', exists: true } }, () => mail('Hi'), undefined],
    ['header exists: false matches a missing header', { header: { name: 'List-Id', exists: false } }, () => mail('Hi'), 'header List-Id is absent'],
    ['header equals a value, names in any case', { header: { name: 'x-PRIORITY', equals: ['1'] } }, () => mail('Hi', undefined, ['X-Priority: 1']), 'header x-PRIORITY "1" equals "1"'],
    ['header contains a keyword', { header: { name: 'User-Agent', contains: ['outlook'] } }, () => mail('Hi', undefined, ['User-Agent: Microsoft Outlook 16.0']), 'header User-Agent "Microsoft Outlook 16.0" contains "outlook"'],
    ['header regex tests every value of a repeated header', { header: { name: 'Received', regex: 'from mx2' } }, () => mail('Hi', undefined, ['Received: from mx1.example.test', 'Received: from mx2.example.test']), 'header Received "from mx2.example.test" matches /from mx2/i ("from mx2")'],
    // attachments
    ['attachment file name', { attachment: { regex: '\\.pdf$' } }, () => mailWithAttachment('invoice-123.pdf', 'application/pdf'), 'attachment "invoice-123.pdf" matches /\\.pdf$/i (".pdf")'],
    ['attachment content type', { attachment: { equals: ['application/zip'] } }, () => mailWithAttachment('logs.zip', 'application/zip'), 'attachment "application/zip" equals "application/zip"'],
    ['attachment exists', { attachment: { exists: true } }, () => mailWithAttachment('a.pdf', 'application/pdf'), 'has an attachment'],
    ['attachment exists is false without attachments', { attachment: { exists: true } }, () => mail('Hi'), undefined],
    ['attachment exists: false', { attachment: { exists: false } }, () => mail('Hi'), 'has no attachment'],
    // VIP
    ['vip: a listed address', { vip: true }, () => mail('Hi'), 'the sender is a VIP (ann@example.test)', { vip: ['Ann@Example.test'] }],
    ['vip: a listed @domain', { vip: true }, () => mail('Hi'), 'the sender is a VIP (@example.test)', { vip: ['@example.test'] }],
    ['vip: not listed', { vip: true }, () => mail('Hi'), undefined, { vip: ['@other.test'] }],
    ['vip: false for a sender not listed', { vip: false }, () => mail('Hi'), 'the sender is not a VIP', { vip: ['@other.test'] }],
    // combinators and negation
    ['all: every part must match; the reason names each', { all: [{ subject: { contains: ['invoice'] } }, { from_domain: { equals: ['example.test'] } }] }, () => mail('Invoice'), 'subject contains "invoice" and sender domain "example.test" equals "example.test"'],
    ['all: one part missing is no match', { all: [{ subject: { contains: ['invoice'] } }, { from_domain: { equals: ['other.test'] } }] }, () => mail('Invoice'), undefined],
    ['any: the first part that matches is the reason', { any: [{ subject: { contains: ['nope'] } }, { body: { contains: ['thanks'] } }] }, () => mail('Hi'), 'body contains "thanks"'],
    ['any: none matching is no match', { any: [{ subject: { contains: ['nope'] } }, { body: { contains: ['nada'] } }] }, () => mail('Hi'), undefined],
    ['not: matches when the inner test does not', { not: { subject: { contains: ['newsletter', 'unsubscribe'] } } }, () => mail('Hi'), 'not (subject contains "newsletter" or "unsubscribe")'],
    ['not: no match when the inner test matches', { not: { subject: { contains: ['newsletter'] } } }, () => mail('Our newsletter'), undefined],
    ['nested: urgent but not "not urgent"', { all: [{ text: { words: ['urgent'] } }, { not: { text: { words: ['not urgent'] } } }] }, () => mail('Urgent: help'), 'subject has the word "urgent" and not (subject or body has the word "not urgent")'],
    ['nested: "not urgent" is not urgent', { all: [{ text: { words: ['urgent'] } }, { not: { text: { words: ['not urgent'] } } }] }, () => mail('Not urgent: help'), undefined],
  ];

  it.each(cases)('%s', async (_name, when, make, expected, opts) => {
    expect(reasonFor(when, await make(), opts)).toBe(expected);
  });

  it('a rule without when matches every mail', async () => {
    const rules = compileRules({ rules: [{ name: 'always', then: { tags: ['x'] } }] });
    expect(evaluateRules(rules, await mail('Hi')).matched).toEqual([{ rule: 'always', reason: 'always', effect: 'tags x' }]);
  });

  it('a mail without a From address matches no sender test', async () => {
    const m = { ...(await mail('Hi')), from: undefined };
    expect(reasonFor({ from: { contains: ['@'] } }, m)).toBeUndefined();
    expect(reasonFor({ from_domain: { contains: ['.'] } }, m)).toBeUndefined();
    expect(reasonFor({ vip: true }, m, { vip: ['@example.test'] })).toBeUndefined();
  });

  it('only the first 100 000 characters of a body are searched', async () => {
    const m = await mail('Hi', `${'x '.repeat(60_000)}needle`);
    expect(reasonFor({ body: { contains: ['needle'] } }, m)).toBeUndefined();
  });
});

describe('vip senders', () => {
  const cases: [string, string, string[], string | undefined][] = [
    ['an exact address', 'ceo@big.example', ['ceo@big.example'], 'ceo@big.example'],
    ['an address in another case', 'CEO@Big.Example', ['ceo@big.example'], 'ceo@big.example'],
    ['an address with a +tag', 'ceo+news@big.example', ['ceo@big.example'], 'ceo@big.example'],
    ['a domain', 'anyone@big.example', ['@big.example'], '@big.example'],
    ['a subdomain of a listed domain', 'anyone@eu.big.example', ['@big.example'], '@big.example'],
    ['a look-alike domain is not a subdomain', 'anyone@notbig.example', ['@big.example'], undefined],
    ['another address at the same domain', 'cfo@big.example', ['ceo@big.example'], undefined],
  ];
  it.each(cases)('%s', (_name, address, senders, expected) => {
    expect(vipEntryFor(address, senders)).toBe(expected);
  });
});

describe('actions', () => {
  type Case = [string, Actions, Partial<Triage>];
  const cases: Case[] = [
    ['category', { category: 'Billing/Payment' }, { category: 'Billing/Payment' }],
    ['priority', { priority: 'P2' }, { priority: 'P2' }],
    ['tags, written like #tag', { tags: ['#VIP', 'Billing'] }, { tags: ['vip', 'billing'] }],
    ['team', { team: 'senior' }, { team: 'senior' }],
    ['assign', { assign: 'Bob@Helpdesk.test' }, { assign: 'bob@helpdesk.test' }],
    ['skip acknowledgment', { skip_acknowledgment: true }, { skipAcknowledgment: true }],
    ['spam', { spam: true }, { spam: true }],
    ['escalate', { escalate: true }, { escalate: true }],
    ['sla', { sla: 'vip' }, { sla: 'vip' }],
    ['file bug (passed through)', { file_bug: true }, { fileBug: true }],
  ];
  it.each(cases)('%s is carried into the triage', async (_name, then, expected) => {
    const t = evaluateRules(compileRules({ rules: [{ name: 'r', then }] }), await mail('Hi'));
    expect(t).toMatchObject(expected);
  });

  it('nothing set gives an empty triage', async () => {
    const t = evaluateRules(compileRules({ rules: [] }), await mail('Hi'));
    expect(t).toEqual({
      category: undefined, priority: undefined, tags: [], team: undefined, assign: undefined, sla: undefined,
      skipAcknowledgment: false, spam: false, escalate: false, fileBug: false, vip: undefined, matched: [], defaulted: [],
    });
  });
});

describe('match modes', () => {
  const spec = (match: 'all' | 'first', extra: Partial<RuleSetSpec> = {}): RuleSetSpec => ({
    match,
    rules: [
      { name: 'billing', when: { text: { words: ['invoice'] } }, then: { category: 'Billing/Payment', priority: 'P3', tags: ['billing'], escalate: true } },
      { name: 'urgent', when: { text: { words: ['urgent'] } }, then: { priority: 'P2', tags: ['billing', 'urgent'], escalate: false } },
      { name: 'never', when: { subject: { contains: ['zzz'] } }, then: { category: 'Other' } },
    ],
    ...extra,
  });

  it('all: every matching rule applies in order; later scalars win, tags add up, booleans can be turned off', async () => {
    const t = evaluateRules(compileRules(spec('all')), await mail('Urgent: invoice wrong'));
    expect(t).toMatchObject({ category: 'Billing/Payment', priority: 'P2', tags: ['billing', 'urgent'], escalate: false });
    expect(t.matched).toEqual([
      { rule: 'billing', reason: 'subject has the word "invoice"', effect: 'category Billing/Payment, priority P3, tags billing, escalate' },
      { rule: 'urgent', reason: 'subject has the word "urgent"', effect: 'priority P2, tags billing, urgent, no escalation' },
    ]);
  });

  it('first: only the first matching rule applies', async () => {
    const t = evaluateRules(compileRules(spec('first')), await mail('Urgent: invoice wrong'));
    expect(t).toMatchObject({ category: 'Billing/Payment', priority: 'P3', tags: ['billing'], escalate: true });
    expect(t.matched.map((m) => m.rule)).toEqual(['billing']);
  });

  it('first: a rule that does not match is passed over', async () => {
    const t = evaluateRules(compileRules(spec('first')), await mail('Urgent: call me'));
    expect(t.matched.map((m) => m.rule)).toEqual(['urgent']);
  });

  it('all is the default mode', async () => {
    const s = spec('all');
    delete s.match;
    expect(evaluateRules(compileRules(s), await mail('Urgent: invoice wrong')).matched).toHaveLength(2);
  });

  it('stop: true ends the list in all mode', async () => {
    const s = spec('all');
    s.rules[0]!.stop = true;
    expect(evaluateRules(compileRules(s), await mail('Urgent: invoice wrong')).matched.map((m) => m.rule)).toEqual(['billing']);
  });

  it('a rule with enabled: false is skipped', async () => {
    const s = spec('all');
    s.rules[0]!.enabled = false;
    expect(evaluateRules(compileRules(s), await mail('Urgent: invoice wrong')).matched.map((m) => m.rule)).toEqual(['urgent']);
  });

  it('defaults fill only what no rule set, and say so', async () => {
    const rules = compileRules(spec('all', { defaults: { category: 'General Inquiries', priority: 'P3', team: 'frontline' } }));
    const t = evaluateRules(rules, await mail('Urgent: call me'));
    expect(t).toMatchObject({ category: 'General Inquiries', priority: 'P2', team: 'frontline', defaulted: ['category', 'team'] });
  });

  it('the decision record lists each matched rule with its reason and effect, then the verdict', async () => {
    const rules = compileRules(spec('all', { defaults: { category: 'General Inquiries' } }));
    expect(triageDecisions(evaluateRules(rules, await mail('Urgent: call me')))).toEqual([
      { stage: 'rules', verdict: 'urgent', reason: 'subject has the word "urgent" → priority P2, tags billing, urgent, no escalation' },
      { stage: 'triage', verdict: 'category General Inquiries, priority P2, tags billing, urgent', reason: '1 rule matched; category from defaults' },
    ]);
  });

  it('compileRules refuses an invalid regex', () => {
    expect(() => compileRules({ rules: [{ name: 'r', when: { subject: { regex: '(' } }, then: {} }] })).toThrow(SyntaxError);
  });
});

describe('the shipped rules (config/rules.yaml)', () => {
  const loaded = loadRules(shippedRulesPath());
  if (!loaded.ok) throw new Error(loaded.error);
  const rules = loaded.rules;

  type Case = [string, string, Partial<Triage>];
  const cases: Case[] = [
    ['Our server is down!', 'Since 9:00 nobody can log in to the portal.', { category: 'Technical Issues', priority: 'P1', escalate: false }],
    ['Possible phishing mail received', 'One of our staff got a mail asking for their login details.', { category: 'Security', priority: 'P1', tags: ['security'], escalate: true }],
    ['How do I change my password?', 'Thanks in advance.', { category: 'Account Management', priority: 'P4' }],
    ['Refund for invoice 123', 'I was charged twice this month.', { category: 'Billing/Payment', priority: 'P3' }],
    ['Feature request: dark mode', 'It would be great if the app had a dark mode.', { category: 'Feature Requests', priority: 'P3' }],
    ['Opening hours at Easter', 'Are you open on Easter Monday?', { category: 'General Inquiries', priority: 'P3', tags: [], escalate: false }],
    ['Payment failed with error 402', 'The card form shows an error.', { category: 'Billing/Payment' }],
    ['Urgent: many users cannot export reports', 'Export fails with an error for the whole team.', { category: 'Technical Issues', priority: 'P2' }],
    ['Not urgent: typo on the pricing page', '"Recieve" should be "receive".', { category: 'Billing/Payment', priority: 'P4' }],
    ['Production outage', 'All users see a blank page.', { category: 'Technical Issues', priority: 'P1' }],
    ['Our account was hacked', 'Someone changed our password.', { category: 'Security', priority: 'P1', escalate: true }],
    ['Question about CVE-2024-3094', 'Are you affected?', { category: 'Security', priority: 'P1', escalate: true }],
  ];
  it.each(cases)('"%s" is triaged as expected', async (subject, body, expected) => {
    const t = evaluateRules(rules, await mail(subject, body));
    expect(t).toMatchObject(expected);
    expect(t.matched.length + t.defaulted.length).toBeGreaterThan(0);
  });

  it('every rule in the decision record names the keyword that matched', async () => {
    const t = evaluateRules(rules, await mail('Possible phishing mail received', 'Please check.'));
    expect(t.matched.find((m) => m.rule === 'Security incident')?.reason).toBe('subject has the word "phishing"');
  });

  it('a VIP sender goes to the senior team with the vip SLA and tag, once listed', async () => {
    const text = readFileSync(shippedRulesPath(), 'utf8').replace('senders: []', 'senders: ["@example.test"]');
    const withVip = parseRules(text, 'rules.yaml');
    if (!withVip.ok) throw new Error(withVip.error);
    const t = evaluateRules(withVip.rules, await mail('Refund for invoice 123'));
    expect(t).toMatchObject({ category: 'Billing/Payment', tags: ['vip'], sla: 'vip', team: 'senior', vip: '@example.test' });
    expect(evaluateRules(rules, await mail('Refund for invoice 123'))).toMatchObject({ tags: [], sla: undefined, team: undefined, vip: undefined });
  });

  it('ships the seed 004 duplicate policy', () => {
    expect(rules.duplicates).toEqual(DEFAULT_DUPLICATE_POLICY);
  });
});

describe('near-duplicate subjects', () => {
  const cases: [string, string, string, boolean][] = [
    ['identical', 'Printer on fire', 'Printer on fire', true],
    ['a reply prefix and our tag aside', 'Printer on fire', 'Re: [HD-12] Printer on fire', true],
    ['stacked prefixes in several languages', 'Printer on fire', 'AW: WG: Fwd: RE: printer on fire', true],
    ['case, punctuation and spacing aside', 'printer on fire!!', '  PRINTER  on   fire ', true],
    ['"log in" against "login"', 'Cannot log in to my account', 'Cannot log into my account', true],
    ['a word added ("again")', 'Printer broken', 'Printer broken again', true],
    ['conflicting numbers are different requests', 'Invoice 123 is wrong', 'Invoice 124 is wrong', false],
    ['a number only on one side does not conflict', 'Invoice wrong', 'Invoice 123 wrong', true],
    ['a different request', 'Printer on fire', 'Refund for my order', false],
    ['reordered words and one more', 'Password reset not arriving', 'Reset password mail not arriving', true],
    ['one different word in a short subject', 'Export to PDF fails', 'Export to CSV fails', false],
    ['same opening, different topic', 'Question about my invoice', 'Question about my order', false],
    ['two empty subjects say nothing', '', 'Re: ', false],
    ['"(no subject)" says nothing', '(no subject)', '(No Subject)', false],
  ];
  it.each(cases)('%s', (_name, a, b, expected) => {
    expect(isNearDuplicate(a, b)).toBe(expected);
    expect(isNearDuplicate(b, a)).toBe(expected);
  });

  it('the threshold is a parameter', () => {
    const s = subjectSimilarity('Export to PDF fails', 'Export to CSV fails');
    expect(s).toBeGreaterThan(0.7);
    expect(s).toBeLessThan(0.8);
    expect(isNearDuplicate('Export to PDF fails', 'Export to CSV fails', 0.7)).toBe(true);
    expect(isNearDuplicate('Printer on fire', 'Printer on fire', 1)).toBe(true);
  });

  it('the duplicate key drops prefixes, [tags] and punctuation', () => {
    expect(duplicateSubjectKey('Re: Fwd[2]: [EXTERNAL] Printer: on fire?!')).toBe('printer on fire');
  });

  it('findNearDuplicate picks the most similar ticket within the window', () => {
    const at = new Date('2026-03-10T12:00:00Z');
    const hoursAgo = (h: number): Date => new Date(at.getTime() - h * 3_600_000);
    const candidates = [
      { ref: 'HD-1', subject: 'Printer on fire', createdAt: hoursAgo(100) },
      { ref: 'HD-2', subject: 'Printer broken', createdAt: hoursAgo(10) },
      { ref: 'HD-3', subject: 'Printer broken again', createdAt: hoursAgo(5) },
      { ref: 'HD-4', subject: 'Refund', createdAt: hoursAgo(1) },
    ];
    expect(findNearDuplicate('Re: Printer broken again', at, candidates, DEFAULT_DUPLICATE_POLICY)).toEqual({ ref: 'HD-3', similarity: 1 });
    expect(findNearDuplicate('Printer on fire', at, candidates, DEFAULT_DUPLICATE_POLICY)).toBeUndefined();
    expect(findNearDuplicate('Printer on fire', at, candidates, { ...DEFAULT_DUPLICATE_POLICY, windowHours: 120 })?.ref).toBe('HD-1');
  });
});
