import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/mail/parse.js';
import { asksForNoAutoReply, bounceDetails, isPermanentFailure, SCREEN_CHECKS, screenMail, type MailKind } from '../../src/mail/screen/index.js';
import { parseMime, walkParts } from '../../src/mail/screen/mime.js';
import { parsedMessage, rawMessage } from '../support/raw-mail.js';

const CTX = { helpdeskAddress: 'support@helpdesk.test', loopToken: 'support@helpdesk.test' };

const CUSTOMER = ['From: Ann Customer <ann@example.test>', 'To: support@helpdesk.test', 'Subject: Printer on fire', 'Message-ID: <m1@example.test>'];
const MTA = ['From: Mail System <bounces@mx.example.test>', 'To: support@helpdesk.test', 'Message-ID: <dsn1@mx.example.test>'];

/** A DSN as an MTA writes it (RFC 3464). */
const DSN_PARTS = [
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status;',
  '\tboundary="dsn-boundary"',
];
const DSN_BODY = [
  '--dsn-boundary',
  'Content-Type: text/plain',
  '',
  'Your message could not be delivered.',
  '--dsn-boundary',
  'Content-Type: message/delivery-status',
  '',
  'Reporting-MTA: dns; mx.example.test',
  '',
  'Final-Recipient: rfc822; gone@example.test',
  'Action: failed',
  'Status: 5.1.1',
  '--dsn-boundary--',
  '',
].join('\n');

/** A multipart/report of the given type whose machine-readable part says `fields`. */
function report(reportType: string, partType: string, fields: string[]): { headers: string[]; body: string } {
  return {
    headers: ['MIME-Version: 1.0', `Content-Type: multipart/report; report-type=${reportType}; boundary="r"`],
    body: ['--r', 'Content-Type: text/plain', '', 'A report.', '--r', `Content-Type: ${partType}`, '', ...fields, '--r--', ''].join('\n'),
  };
}

const ARF = report('feedback-report', 'message/feedback-report', ['Feedback-Type: abuse', 'User-Agent: SomeGenerator/1.0', 'Version: 1']);
const DELIVERED = report('delivery-status', 'message/delivery-status', ['Reporting-MTA: dns; mx.example.test', '', 'Final-Recipient: rfc822; ann@example.test', 'Action: delivered', 'Status: 2.0.0']);
const RELAYED = report('delivery-status', 'message/delivery-status', ['Reporting-MTA: dns; mx.example.test', '', 'Final-Recipient: rfc822; ann@example.test', 'Action: relayed', 'Status: 2.0.0']);
const MIXED = report('delivery-status', 'message/delivery-status', [
  'Reporting-MTA: dns; mx.example.test',
  '',
  'Final-Recipient: rfc822; ann@example.test',
  'Action: delivered',
  'Status: 2.0.0',
  '',
  'Final-Recipient: rfc822; bob@example.test',
  'Action: failed',
  'Status: 5.1.1',
]);
const DELAYED = report('delivery-status', 'message/delivery-status', ['Reporting-MTA: dns; mx.example.test', '', 'Final-Recipient: rfc822; ann@example.test', 'Action: delayed', 'Status: 4.4.7']);
const READ_RECEIPT = report('disposition-notification', 'message/disposition-notification', ['Reporting-UA: mail.example.test', 'Final-Recipient: rfc822; ann@example.test', 'Disposition: manual-action/MDN-sent-manually; displayed']);

const SES = (type: string, extra: string): string => `{"notificationType":"${type}",${extra},"mail":{"messageId":"0101","headers":[{"name":"Message-ID","value":"<n42@helpdesk.test>"},{"name":"Subject","value":"[HD-1] hi"}]}}`;
const SNS = ['From: SES <no-reply@sns.amazonaws.com>', 'To: support@helpdesk.test', 'Subject: AWS Notification Message', 'x-amz-sns-message-id: 1234'];

/** A multipart/mixed body (boundary "b"): some text, then a copy of one of our notifications. */
const RETURNED = (text: string): string =>
  ['--b', 'Content-Type: text/plain', '', text, '--b', 'Content-Type: message/rfc822', '', 'From: Support <support@helpdesk.test>', 'To: gone@example.test', 'Subject: [HD-7] Your request', 'Message-ID: <n7@helpdesk.test>', '', 'Hello', '--b--', ''].join('\n');

describe('screenMail', () => {
  const cases: [string, MailKind, string[], string | undefined, string][] = [
    // Our own mail coming back.
    ['carries our loop header', 'loop', [...CUSTOMER, 'X-Deskmail-Loop: support@helpdesk.test'], undefined, 'own-loop'],
    ['carries our loop header in another case', 'loop', [...CUSTOMER, 'X-Deskmail-Loop: Support@HelpDesk.test'], undefined, 'own-loop'],
    ['comes from the helpdesk address', 'loop', ['From: Support <support@helpdesk.test>', 'To: ann@example.test', 'Subject: [HD-1] hello'], undefined, 'own-loop'],
    ['comes from the helpdesk address in capitals', 'loop', ['From: SUPPORT@HELPDESK.TEST', 'To: ann@example.test', 'Subject: hi'], undefined, 'own-loop'],
    ['is a bounce that carries our loop header (loop wins)', 'loop', ['Return-Path: <>', ...CUSTOMER, 'X-Deskmail-Loop: support@helpdesk.test'], undefined, 'own-loop'],
    // Spam complaints (ARF).
    ['is an ARF feedback report', 'feedback-report', [...MTA, 'Subject: Abuse report', ...ARF.headers], ARF.body, 'feedback-report'],
    ['is an ARF report from a null sender (complaint wins over bounce)', 'feedback-report', ['Return-Path: <>', ...MTA, 'Subject: FW: Hello', ...ARF.headers], ARF.body, 'feedback-report'],
    // Success notices and read receipts.
    ['is a DSN whose recipient was delivered', 'delivery-notice', [...MTA, 'Subject: Delivered: hello', ...DELIVERED.headers], DELIVERED.body, 'delivery-notice'],
    ['is a DSN whose recipient was relayed', 'delivery-notice', [...MTA, 'Subject: Relayed: hello', ...RELAYED.headers], RELAYED.body, 'delivery-notice'],
    ['is a read receipt (MDN)', 'delivery-notice', [...CUSTOMER.slice(0, 2), 'Subject: Read: Printer on fire', ...READ_RECEIPT.headers], READ_RECEIPT.body, 'delivery-notice'],
    ['is a DSN where one recipient was delivered and one failed', 'bounce', [...MTA, 'Subject: Delivery Status Notification', ...MIXED.headers], MIXED.body, 'bounce'],
    ['is a delay warning', 'bounce', [...MTA, 'Subject: Delivery Status Notification (Delay)', ...DELAYED.headers], DELAYED.body, 'bounce'],
    // Amazon SES notifications by SNS: JSON bodies without any DSN marker.
    ['is an SES bounce notification', 'bounce', SNS, SES('Bounce', '"bounce":{"bouncedRecipients":[{"emailAddress":"gone@example.test","status":"5.1.1"}]}'), 'ses-notification'],
    ['is an SES complaint notification', 'feedback-report', SNS, SES('Complaint', '"complaint":{"complainedRecipients":[{"emailAddress":"ann@example.test"}]}'), 'ses-notification'],
    ['is an SES delivery notification', 'delivery-notice', SNS, SES('Delivery', '"delivery":{"recipients":["ann@example.test"],"smtpResponse":"250 2.6.0 OK"}'), 'ses-notification'],
    ['is a person pasting SES JSON into a question', 'human', CUSTOMER, `Why do I get this?\n${SES('Bounce', '"bounce":{}')}`, 'screen'],
    // Bounces by their structure, headers and senders.
    ['is a multipart/report delivery-status DSN', 'bounce', ['From: Mail System <bounces@mx.example.test>', 'To: support@helpdesk.test', 'Subject: Undelivered Mail', ...DSN_PARTS], DSN_BODY, 'bounce'],
    ['is a DSN that also says Auto-Submitted (bounce wins)', 'bounce', ['From: Mail System <bounces@mx.example.test>', 'Subject: failure', 'Auto-Submitted: auto-replied', ...DSN_PARTS], DSN_BODY, 'bounce'],
    ['is a DSN that also carries List-Id (bounce wins)', 'bounce', ['From: Mail System <bounces@mx.example.test>', 'Subject: failure', 'List-Id: <x.example.test>', ...DSN_PARTS], DSN_BODY, 'bounce'],
    ['is a multipart/report whose report-type was lost', 'bounce', [...MTA, 'Subject: Delivery status notification', 'MIME-Version: 1.0', 'Content-Type: multipart/report; boundary="dsn-boundary"'], DSN_BODY, 'bounce'],
    ['has a message/delivery-status part inside multipart/mixed', 'bounce', [...MTA, 'Subject: Delivery Status', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="dsn-boundary"'], DSN_BODY.replace('Content-Type: message/delivery-status', 'Content-Type: message/delivery-status\nContent-Disposition: attachment; filename="status.txt"'), 'bounce'],
    ['has X-Failed-Recipients', 'bounce', [...CUSTOMER, 'X-Failed-Recipients: gone@example.test'], undefined, 'bounce'],
    ['has X-Mailer-Daemon-Recipients', 'bounce', [...MTA, 'Subject: hi', 'X-Mailer-Daemon-Recipients: gone@example.test'], undefined, 'bounce'],
    ['has X-MS-Exchange-Message-Is-Ndr', 'bounce', [...MTA, 'Subject: Undeliverable: hi', 'X-MS-Exchange-Message-Is-Ndr:'], undefined, 'bounce'],
    ['has an X-SEF-NDR-… header', 'bounce', [...MTA, 'Subject: hi', 'X-SEF-NDR-0000-1111: 1'], undefined, 'bounce'],
    ['has a null Return-Path', 'bounce', ['Return-Path: <>', ...CUSTOMER], undefined, 'bounce'],
    ['has a null Return-Path with spaces', 'bounce', ['Return-Path: < >', ...CUSTOMER], undefined, 'bounce'],
    ['has a MAILER-DAEMON Return-Path', 'bounce', ['Return-Path: <MAILER-DAEMON@mx.example.test>', ...MTA, 'Subject: Delivery status notification'], undefined, 'bounce'],
    ['comes from MAILER-DAEMON', 'bounce', ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.test>', 'To: support@helpdesk.test', 'Subject: Returned mail'], undefined, 'bounce'],
    ['comes from a bare MAILER-DAEMON without a domain', 'bounce', ['From: Mail Delivery Subsystem <MAILER-DAEMON>', 'To: support@helpdesk.test', 'Subject: Returned mail'], undefined, 'bounce'],
    ['comes from "MAILER-DAEMON <>"', 'bounce', ['From: MAILER-DAEMON <>', 'To: support@helpdesk.test', 'Subject: Mail delivery failed'], undefined, 'bounce'],
    ['comes from postmaster', 'bounce', ['From: postmaster@example.test', 'To: support@helpdesk.test', 'Subject: Delivery failure'], undefined, 'bounce'],
    ['comes from post_master', 'bounce', ['From: post_master@vtext.example.test', 'To: support@helpdesk.test', 'Subject: Re: hello'], undefined, 'bounce'],
    ['comes from Mail.Delivery.System', 'bounce', ['From: Mail Delivery System <Mail.Delivery.System@mx.example.test>', 'To: support@helpdesk.test', 'Subject: hello'], undefined, 'bounce'],
    // Bounces with none of those markers: two of subject, mail-system prose and a returned copy.
    ['has a bounce subject and a mail-system sentence', 'bounce', [...CUSTOMER.slice(0, 2), 'Subject: Mail delivery failed', 'Message-ID: <b1@x.test>'], 'This message was created automatically by mail delivery software.\n\n  gone@example.test\n    550 5.1.1 no such user\n', 'bounce-text'],
    ['forwards a bounce with its text quoted', 'bounce', [...CUSTOMER.slice(0, 2), 'Subject: Fwd: Returned mail: see transcript for details', 'Message-ID: <f1@x.test>'], 'Forwarding this.\n\n> ----- The following addresses had permanent fatal errors -----\n> <gone@example.test>\n', 'bounce-text'],
    ['has a mail-system sentence and returns the original', 'bounce', [...CUSTOMER.slice(0, 2), 'Subject: メールエラー通知', 'Message-ID: <k1@x.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'], RETURNED('Your mail sent on: today\n     Could not be delivered to: <gone@example.test>'), 'bounce-text'],
    ['has a localized bounce subject and returns the original', 'bounce', [...CUSTOMER.slice(0, 2), 'Subject: Unzustellbar: Ihre Anfrage', 'Message-ID: <u1@x.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'], RETURNED('Die Nachricht konnte nicht zugestellt werden.'), 'bounce-text'],
    ['only has a bounce-like subject', 'human', [...CUSTOMER.slice(0, 2), 'Subject: Undeliverable parcel, please help', 'Message-ID: <p1@x.test>'], 'My parcel could not be shipped.\n', 'screen'],
    ['only quotes a mail-system sentence', 'human', CUSTOMER, 'I keep getting "your message could not be delivered" when I write to sales. Why?\n', 'screen'],
    ['only forwards a mail as an attachment', 'human', [...CUSTOMER, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'], RETURNED('See the attached mail.'), 'screen'],
    // Automatic replies and bulk mail.
    ['says Auto-Submitted: auto-replied', 'auto-reply', [...CUSTOMER, 'Auto-Submitted: auto-replied'], undefined, 'auto-reply'],
    ['says Auto-Submitted: auto-generated', 'auto-reply', [...CUSTOMER, 'Auto-Submitted: auto-generated'], undefined, 'auto-reply'],
    ['says Auto-Submitted: auto-notified', 'auto-reply', [...CUSTOMER, 'Auto-Submitted: auto-notified'], undefined, 'auto-reply'],
    ['says Precedence: bulk', 'auto-reply', [...CUSTOMER, 'Precedence: bulk'], undefined, 'auto-reply'],
    ['says Precedence: junk', 'auto-reply', [...CUSTOMER, 'Precedence: junk'], undefined, 'auto-reply'],
    ['says Precedence: list', 'auto-reply', [...CUSTOMER, 'Precedence: List'], undefined, 'auto-reply'],
    ['says X-Precedence: auto_reply', 'auto-reply', [...CUSTOMER, 'X-Precedence: auto_reply'], undefined, 'auto-reply'],
    ['has X-Autoreply', 'auto-reply', [...CUSTOMER, 'X-Autoreply: yes'], undefined, 'auto-reply'],
    ['has X-Autorespond', 'auto-reply', [...CUSTOMER, 'X-Autorespond: Out of office'], undefined, 'auto-reply'],
    ['has X-AutoReply-From', 'auto-reply', [...CUSTOMER, 'X-AutoReply-From: ann@example.test'], undefined, 'auto-reply'],
    // Out of office: Exchange's header pair, and vacation subjects in many languages.
    ['is an Exchange out-of-office (X-Auto-Response-Suppress: All + Inbox-Rules-Loop)', 'auto-reply', [...CUSTOMER, 'X-Auto-Response-Suppress: All', 'X-MS-Exchange-Inbox-Rules-Loop: ann@example.test'], undefined, 'out-of-office'],
    ...(
      [
        'Automatic reply: Printer on fire',
        'Out of Office: Printer on fire',
        'Out of Office',
        'Out of Office AutoReply: Printer on fire',
        'Abwesenheitsnotiz: Printer on fire',
        'Réponse automatique : Printer on fire',
        'Respuesta automática: Printer on fire',
        'Automatisch antwoord: Printer on fire',
        'Risposta automatica: Printer on fire',
        'Autosvar: Printer on fire',
        'Automatisk svar: Printer on fire',
        'Automaattinen vastaus: Printer on fire',
        'Automatyczna odpowiedź: Printer on fire',
        'Resposta automática: Printer on fire',
        'Автоматический ответ: Printer on fire',
        '自動返信: Printer on fire',
        '自动回复：Printer on fire',
      ] as const
    ).map((subject): [string, MailKind, string[], string | undefined, string] => [`has the vacation subject "${subject}"`, 'auto-reply', [CUSTOMER[0]!, CUSTOMER[1]!, `Subject: ${subject}`], undefined, 'out-of-office']),
    // Mailing lists.
    ['has List-Id', 'auto-reply', [...CUSTOMER, 'List-Id: <users.lists.example.test>'], undefined, 'mailing-list'],
    ['has List-Unsubscribe', 'auto-reply', [...CUSTOMER, 'List-Unsubscribe: <mailto:leave@lists.example.test>'], undefined, 'mailing-list'],
    ['comes from fml list software', 'auto-reply', [...CUSTOMER, 'X-MLServer: fml [fml 4.0.3 release]'], undefined, 'mailing-list'],
    // People.
    ['is plain mail from a person', 'human', CUSTOMER, undefined, 'screen'],
    ['says Auto-Submitted: no', 'human', [...CUSTOMER, 'Auto-Submitted: no'], undefined, 'screen'],
    ['says Auto-Submitted: No', 'human', [...CUSTOMER, 'Auto-Submitted: No'], undefined, 'screen'],
    ['says Precedence: first-class', 'human', [...CUSTOMER, 'Precedence: first-class'], undefined, 'screen'],
    ['says X-Autoreply: no', 'human', [...CUSTOMER, 'X-Autoreply: no'], undefined, 'screen'],
    ['has an ordinary Return-Path', 'human', ['Return-Path: <ann@example.test>', ...CUSTOMER], undefined, 'screen'],
    ['carries another helpdesk’s loop header', 'human', [...CUSTOMER, 'X-Deskmail-Loop: help@other.test'], undefined, 'screen'],
    ['is a multipart/mixed mail with an attachment', 'human', [...CUSTOMER, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'], '--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: text/plain; name="log.txt"\nContent-Disposition: attachment; filename="log.txt"\n\nerror 42\n--b--\n', 'screen'],
    // X-Auto-Response-Suppress asks us not to auto-reply; Outlook puts it on people's mail too.
    ['has X-Auto-Response-Suppress: All alone (Outlook sets it on mail people write)', 'human', [...CUSTOMER, 'X-Auto-Response-Suppress: All'], undefined, 'screen'],
    ['has X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply', 'human', [...CUSTOMER, 'X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply'], undefined, 'screen'],
    ['was forwarded by an Exchange inbox rule (Inbox-Rules-Loop alone)', 'human', [...CUSTOMER, 'X-MS-Exchange-Inbox-Rules-Loop: boss@example.test'], undefined, 'screen'],
    ['answers an automatic reply ("Re: Automatic reply: …")', 'human', [CUSTOMER[0]!, CUSTOMER[1]!, 'Subject: Re: Automatic reply: Printer on fire'], undefined, 'screen'],
    ['mentions being out of office in its subject', 'human', [CUSTOMER[0]!, CUSTOMER[1]!, 'Subject: Out of office on Friday, printer broken'], undefined, 'screen'],
    ['has a subject about a car ("Auto: claim 42")', 'human', [CUSTOMER[0]!, CUSTOMER[1]!, 'Subject: Auto: claim 42'], undefined, 'screen'],
    ['comes from a no-reply web form with the customer in Reply-To', 'human', ['From: Web Form <noreply@example.test>', 'Reply-To: ann@example.test', 'To: support@helpdesk.test', 'Subject: Contact form'], undefined, 'screen'],
  ];

  it.each(cases)('a mail that %s is %s', async (_name, kind, headerLines, body, stage) => {
    const result = screenMail(await parsedMessage(headerLines, body), CTX);
    expect(result.kind).toBe(kind);
    expect(result.decision.verdict).toBe(kind);
    expect(result.decision.stage).toBe(stage === 'screen' ? 'screen' : `screen:${stage}`);
    expect(result.decision.reason).not.toBe('');
  });

  it.each([
    ['All', true],
    ['DR, RN, NRN, OOF, AutoReply', true],
    ['OOF', false],
    ['DR, RN', false],
    [undefined, false],
  ] as const)('X-Auto-Response-Suppress: %s asks for no automatic reply: %s', async (value, expected) => {
    const mail = await parsedMessage(value === undefined ? CUSTOMER : [...CUSTOMER, `X-Auto-Response-Suppress: ${value}`]);
    expect(asksForNoAutoReply(mail)).toBe(expected);
    expect(screenMail(mail, CTX).kind).toBe('human');
  });

  it('runs its checks in the documented order', () => {
    expect(SCREEN_CHECKS).toEqual(['own-loop', 'feedback-report', 'delivery-notice', 'ses-notification', 'bounce', 'bounce-text', 'auto-reply', 'out-of-office', 'mailing-list']);
  });
});

describe('bounceDetails', () => {
  const details = async (headerLines: string[], body: string) => {
    const raw = rawMessage(headerLines, body);
    return bounceDetails(await parseMail(raw), raw);
  };

  const FULL_DSN = [
    'This is the mail system at host mx.example.test.',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'I\'m sorry to have to inform you that your message could not be delivered.',
    '',
    '--b',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.test',
    'Arrival-Date: Mon, 1 Jun 2026 10:00:00 +0000',
    '',
    'Final-Recipient: rfc822; gone@mx.example.test',
    'Original-Recipient: rfc822; Gone@Example.test',
    'Action: failed',
    'Status: 5.0.0',
    'Diagnostic-Code: smtp; 550 5.1.1 <gone@example.test>: Recipient address',
    '    rejected: User unknown',
    '',
    'Final-Recipient: rfc822; slow@example.test',
    'Action: delayed',
    'Status: 4.4.7',
    '',
    '--b',
    'Content-Type: message/rfc822',
    '',
    'From: Support <support@helpdesk.test>',
    'To: gone@example.test, slow@example.test',
    'Subject: =?UTF-8?B?W0hELTddIElocmUgQW5mcmFnZSDDvGJlcg==?=',
    'Message-ID: <n7.received@helpdesk.test>',
    'X-Deskmail-Ticket: HD-7',
    '',
    'Hello',
    '--b--',
    '',
  ].join('\n');

  it('reads recipients, status, reason and action from a delivery-status part, and the returned original', async () => {
    const d = await details([...MTA, 'Subject: Undelivered Mail Returned to Sender', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"'], FULL_DSN);
    expect(d.recipients).toEqual([
      { address: 'gone@example.test', status: '5.1.1', reason: '550 5.1.1 <gone@example.test>: Recipient address rejected: User unknown', action: 'failed', source: 'delivery-status' },
      { address: 'slow@example.test', status: '4.4.7', action: 'delayed', source: 'delivery-status' },
    ]);
    expect(d.recipients.map(isPermanentFailure)).toEqual([true, false]);
    expect(d.originalMessageId).toBe('n7.received@helpdesk.test');
    expect(d.originalMessageIdSource).toBe('returned-message');
    expect(d.originalHeaders?.['subject']).toBe('[HD-7] Ihre Anfrage über');
    expect(d.originalHeaders?.['x-deskmail-ticket']).toBe('HD-7');
  });

  it('reads the original from a text/rfc822-headers part', async () => {
    const body = FULL_DSN.replace('Content-Type: message/rfc822', 'Content-Type: text/rfc822-headers').replace('\nHello\n', '\n');
    const d = await details([...MTA, 'Subject: Delivery Status Notification (Failure)', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"'], body);
    expect(d.originalMessageId).toBe('n7.received@helpdesk.test');
    expect(d.originalMessageIdSource).toBe('returned-headers');
  });

  it('reads an Exim text bounce: recipient from X-Failed-Recipients, reason and status from the prose, original from the inline copy', async () => {
    const d = await details(
      ['Return-path: <>', 'X-Failed-Recipients: gone@example.test', 'From: Mail Delivery System <Mailer-Daemon@mx.example.test>', 'To: support@helpdesk.test', 'Subject: Mail delivery failed: returning message to sender', 'Message-Id: <E1@mx.example.test>'],
      [
        'This message was created automatically by mail delivery software.',
        '',
        'A message that you sent could not be delivered to one or more of its',
        'recipients. This is a permanent error. The following address(es) failed:',
        '',
        '  gone@example.test',
        '    SMTP error from remote mail server after RCPT TO:<gone@example.test>:',
        '    host mx.example.test [192.0.2.1]: 550 5.1.1 User unknown',
        '',
        '------ This is a copy of the message, including all the headers. ------',
        '',
        'Return-path: <support@helpdesk.test>',
        'From: Support <support@helpdesk.test>',
        'To: gone@example.test',
        'Subject: [HD-7] Your request',
        'Message-Id: <n7@helpdesk.test>',
        '',
        'Hello',
      ].join('\n'),
    );
    expect(d.recipients).toHaveLength(1);
    expect(d.recipients[0]).toMatchObject({ address: 'gone@example.test', status: '5.1.1', source: 'header' });
    expect(d.recipients[0]!.reason).toContain('550 5.1.1 User unknown');
    expect(d.originalMessageId).toBe('n7@helpdesk.test');
    expect(d.originalMessageIdSource).toBe('quoted-text');
  });

  it('reads a qmail bounce, whose only clue is "<address>:" in its prose', async () => {
    const d = await details(
      ['From: MAILER-DAEMON@mx.example.test', 'To: support@helpdesk.test', 'Subject: failure notice', 'Message-ID: <q1@mx.example.test>'],
      [
        'Hi. This is the qmail-send program at mx.example.test.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        '',
        '<gone@example.test>:',
        '192.0.2.1 does not like recipient.',
        'Remote host said: 550 5.1.1 <gone@example.test>... User Unknown',
        'Giving up on 192.0.2.1.',
        '',
        '--- Below this line is a copy of the message.',
        '',
        'Return-Path: <support@helpdesk.test>',
        'From: support@helpdesk.test',
        'To: gone@example.test',
        'Message-ID: <n8@helpdesk.test>',
      ].join('\n'),
    );
    expect(d.recipients).toEqual([expect.objectContaining({ address: 'gone@example.test', status: '5.1.1', source: 'text' })]);
    expect(d.originalMessageId).toBe('n8@helpdesk.test');
  });

  it('never takes the bounce’s own sender or recipient, nor the original’s sender, for a failed recipient', async () => {
    const d = await details(
      ['From: MAILER-DAEMON@mx.example.test', 'To: support@helpdesk.test', 'Subject: Undelivered Mail Returned to Sender', 'Message-ID: <q2@mx.example.test>'],
      'Your message to support@helpdesk.test was returned; mail for MAILER-DAEMON@mx.example.test follows.\nThe following recipients could not receive it:\n  gone@example.test (user unknown)\n',
    );
    expect(d.recipients.map((r) => r.address)).toEqual(['gone@example.test']);
  });

  it('reads DSN fields quoted in a forwarded bounce, and the original Message-ID rather than the bounce’s', async () => {
    const d = await details(
      ['From: Ann Customer <ann@example.test>', 'To: support@helpdesk.test', 'Subject: Fwd: Returned mail: see transcript for details', 'Message-ID: <fwd1@example.test>'],
      [
        'Why did this bounce?',
        '',
        '> From: Mail Delivery Subsystem <MAILER-DAEMON>',
        '> Subject: Returned mail: see transcript for details',
        '> Message-Id: <bounce1@mx.example.test>',
        '>',
        '> Final-Recipient: RFC822; gone@example.test',
        '> Action: failed',
        '> Status: 5.1.1',
        '> Diagnostic-Code: SMTP; 550 5.1.1 <gone@example.test>... User unknown',
        '> Return-Path: <ann@example.test>',
        '> From: Ann Customer <ann@example.test>',
        '> To: gone@example.test',
        '> Message-Id: <orig1@example.test>',
      ].join('\n'),
    );
    expect(d.recipients).toEqual([expect.objectContaining({ address: 'gone@example.test', status: '5.1.1', action: 'failed' })]);
    expect(d.originalMessageId).toBe('orig1@example.test');
  });

  it('reads an Amazon SES bounce notification', async () => {
    const d = await details(SNS, SES('Bounce', '"bounce":{"bouncedRecipients":[{"emailAddress":"Gone@Example.test","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]}'));
    expect(d.recipients).toEqual([{ address: 'gone@example.test', status: '5.1.1', reason: '550 5.1.1 user unknown', action: 'failed', source: 'vendor-json' }]);
    expect(d.originalMessageId).toBe('n42@helpdesk.test');
    expect(d.originalMessageIdSource).toBe('vendor-json');
  });

  it('falls back to the bounce’s In-Reply-To for the original', async () => {
    const d = await details(['From: post_master@vtext.example.test', 'To: support@helpdesk.test', 'Subject: Re: hello', 'Message-ID: <v1@vtext.example.test>', 'In-Reply-To: <n9@helpdesk.test>'], 'Error: Invalid user address\n\n  RCPT TO: 5550100@vtext.example.test\n');
    expect(d.recipients.map((r) => r.address)).toEqual(['5550100@vtext.example.test']);
    expect(d.originalMessageId).toBe('n9@helpdesk.test');
    expect(d.originalMessageIdSource).toBe('in-reply-to');
  });

  it.each([
    ['failed', '4.4.7', undefined, true],
    ['failed', '5.1.1', undefined, true],
    ['delayed', '4.4.7', undefined, false],
    ['delivered', '2.0.0', undefined, false],
    [undefined, '5.2.2', undefined, true],
    [undefined, '4.4.1', "Sorry, I wasn't able to establish an SMTP connection. I'm not going to try again", true],
    [undefined, undefined, 'User unknown', true],
    [undefined, undefined, 'Delay reason: SMTP error', false],
    [undefined, '4.4.7', 'Message delayed; will retry for 4 more days', false],
  ] as const)('a recipient with action %s, status %s and reason %s has finally failed: %s', (action, status, reason, expected) => {
    expect(isPermanentFailure({ address: 'a@example.test', source: 'text', ...(action ? { action } : {}), ...(status ? { status } : {}), ...(reason ? { reason } : {}) })).toBe(expected);
  });

  it('reads a UTF-8 subject written as raw 8-bit bytes in the returned original', async () => {
    const raw = Buffer.concat([
      rawMessage([...MTA, 'Subject: Undelivered Mail Returned to Sender', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"'], ''),
      Buffer.from('--b\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <n1@helpdesk.test>\r\nSubject: Ihre Anfrage über Drucker\r\n\r\nHallo\r\n--b--\r\n', 'utf8'),
    ]);
    const d = bounceDetails(await parseMail(raw), raw);
    expect(d.originalHeaders?.['subject']).toBe('Ihre Anfrage über Drucker');
  });

  it('finds nothing, and does not throw, in mail that is no bounce at all', async () => {
    const d = await details(CUSTOMER, 'Hello,\n\nmy printer is on fire.\n');
    expect(d).toEqual({ recipients: [] });
  });

  it('handles pathological bodies in linear time', async () => {
    const bodies = ['a'.repeat(2_000_000), '\n'.repeat(500_000), '>'.repeat(1_000_000), '-'.repeat(1_000_000), 'Message-ID: <a@b.c>\n'.repeat(50_000), `${'x'.repeat(999)}@\n`.repeat(2_000)];
    for (const body of bodies) {
      const started = Date.now();
      const raw = rawMessage([...MTA, 'Subject: Undelivered Mail Returned to Sender', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"'], `--b\nContent-Type: message/delivery-status\n\n${body}\n--b--\n`);
      const mail = await parseMail(raw);
      screenMail(mail, CTX);
      bounceDetails(mail, raw);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });
});

describe('the MIME walker under bounceDetails', () => {
  it('walks nested multiparts, decodes base64 and quoted-printable, and opens message/rfc822', () => {
    const raw = Buffer.from(
      [
        'Content-Type: multipart/mixed; boundary=outer',
        '',
        'preamble',
        '--outer',
        'Content-Type: multipart/alternative; boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'caf=C3=A9 =',
        'au lait',
        '--inner--',
        '--outer',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('bonjour').toString('base64'),
        '--outer',
        'Content-Type: message/rfc822',
        '',
        '',
        'Message-ID: <inner@example.test>',
        'Subject: inner',
        '',
        'inner body',
        '--outer--',
      ].join('\r\n'),
    );
    const parts = [...walkParts(parseMime(raw))];
    expect(parts.map((p) => p.type)).toEqual(['multipart/mixed', 'multipart/alternative', 'text/plain', 'text/plain', 'message/rfc822', 'text/plain']);
    expect(parts[2]!.body.toString('utf8')).toBe('café au lait');
    expect(parts[3]!.body.toString('utf8')).toBe('bonjour');
    expect(parts[4]!.message?.headers.get('message-id')).toEqual(['<inner@example.test>']);
  });

  it('keeps a multipart whose boundary never comes as one body, and skips an mbox From line', () => {
    const tree = parseMime(Buffer.from('From MAILER-DAEMON Sat Jun  9 14:56:09 2018\nContent-Type: multipart/report; boundary="gone"\nSubject: x\n\nFinal-Recipient: rfc822; a@b.test\n'));
    expect(tree.headers.get('subject')).toEqual(['x']);
    expect(tree.parts).toEqual([]);
    expect(tree.body.toString()).toContain('Final-Recipient');
  });

  it('never throws on garbage', () => {
    for (const junk of ['', '\r\n\r\n', 'no header at all', 'Content-Type: multipart/mixed; boundary=\n\n--\n--', '\u0000\u0001\u0002'.repeat(1000)]) {
      expect(() => [...walkParts(parseMime(Buffer.from(junk)))]).not.toThrow();
    }
  });
});
