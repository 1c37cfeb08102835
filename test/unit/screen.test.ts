import { describe, expect, it } from 'vitest';
import { screenMail, type MailKind } from '../../src/mail/screen/index.js';
import { parsedMessage } from '../support/raw-mail.js';

const CTX = { helpdeskAddress: 'support@helpdesk.test', loopToken: 'support@helpdesk.test' };

const CUSTOMER = ['From: Ann Customer <ann@example.test>', 'To: support@helpdesk.test', 'Subject: Printer on fire', 'Message-ID: <m1@example.test>'];

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

describe('screenMail', () => {
  const cases: [string, string[], string | undefined, MailKind, string][] = [
    // Our own mail coming back.
    ['carries our loop header', [...CUSTOMER, 'X-Deskmail-Loop: support@helpdesk.test'], undefined, 'loop', 'own-loop'],
    ['carries our loop header in another case', [...CUSTOMER, 'X-Deskmail-Loop: Support@HelpDesk.test'], undefined, 'loop', 'own-loop'],
    ['comes from the helpdesk address', ['From: Support <support@helpdesk.test>', 'To: ann@example.test', 'Subject: [HD-1] hello'], undefined, 'loop', 'own-loop'],
    ['comes from the helpdesk address in capitals', ['From: SUPPORT@HELPDESK.TEST', 'To: ann@example.test', 'Subject: hi'], undefined, 'loop', 'own-loop'],
    // Bounces.
    ['is a multipart/report delivery-status DSN', ['From: Mail System <bounces@mx.example.test>', 'To: support@helpdesk.test', 'Subject: Undelivered Mail', ...DSN_PARTS], DSN_BODY, 'bounce', 'bounce'],
    ['is a DSN that also says Auto-Submitted (bounce wins)', ['From: Mail System <bounces@mx.example.test>', 'Subject: failure', 'Auto-Submitted: auto-replied', ...DSN_PARTS], DSN_BODY, 'bounce', 'bounce'],
    ['has X-Failed-Recipients', [...CUSTOMER, 'X-Failed-Recipients: gone@example.test'], undefined, 'bounce', 'bounce'],
    ['has a null Return-Path', ['Return-Path: <>', ...CUSTOMER], undefined, 'bounce', 'bounce'],
    ['has a null Return-Path with spaces', ['Return-Path: < >', ...CUSTOMER], undefined, 'bounce', 'bounce'],
    ['comes from MAILER-DAEMON', ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.test>', 'To: support@helpdesk.test', 'Subject: Returned mail'], undefined, 'bounce', 'bounce'],
    ['comes from postmaster', ['From: postmaster@example.test', 'To: support@helpdesk.test', 'Subject: Delivery failure'], undefined, 'bounce', 'bounce'],
    // Automatic replies and bulk mail.
    ['says Auto-Submitted: auto-replied', [...CUSTOMER, 'Auto-Submitted: auto-replied'], undefined, 'auto-reply', 'auto-reply'],
    ['says Auto-Submitted: auto-generated', [...CUSTOMER, 'Auto-Submitted: auto-generated'], undefined, 'auto-reply', 'auto-reply'],
    ['says Precedence: bulk', [...CUSTOMER, 'Precedence: bulk'], undefined, 'auto-reply', 'auto-reply'],
    ['says Precedence: junk', [...CUSTOMER, 'Precedence: junk'], undefined, 'auto-reply', 'auto-reply'],
    ['says Precedence: list', [...CUSTOMER, 'Precedence: List'], undefined, 'auto-reply', 'auto-reply'],
    ['has X-Autoreply', [...CUSTOMER, 'X-Autoreply: yes'], undefined, 'auto-reply', 'auto-reply'],
    ['has X-Autorespond', [...CUSTOMER, 'X-Autorespond: Out of office'], undefined, 'auto-reply', 'auto-reply'],
    // People.
    ['is plain mail from a person', CUSTOMER, undefined, 'human', 'screen'],
    ['says Auto-Submitted: no', [...CUSTOMER, 'Auto-Submitted: no'], undefined, 'human', 'screen'],
    ['says Auto-Submitted: No', [...CUSTOMER, 'Auto-Submitted: No'], undefined, 'human', 'screen'],
    ['says Precedence: first-class', [...CUSTOMER, 'Precedence: first-class'], undefined, 'human', 'screen'],
    ['has an ordinary Return-Path', ['Return-Path: <ann@example.test>', ...CUSTOMER], undefined, 'human', 'screen'],
    ['carries another helpdesk’s loop header', [...CUSTOMER, 'X-Deskmail-Loop: help@other.test'], undefined, 'human', 'screen'],
    ['is a multipart/mixed mail with an attachment', [...CUSTOMER, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'], '--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: text/plain; name="log.txt"\nContent-Disposition: attachment; filename="log.txt"\n\nerror 42\n--b--\n', 'human', 'screen'],
  ];

  it.each(cases)('a mail that %s is %s', async (_name, headerLines, body, kind, stage) => {
    const result = screenMail(await parsedMessage(headerLines, body), CTX);
    expect(result.kind).toBe(kind);
    expect(result.decision.verdict).toBe(kind);
    expect(result.decision.stage).toBe(stage === 'screen' ? 'screen' : `screen:${stage}`);
    expect(result.decision.reason).not.toBe('');
  });
});
