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
  const cases: [string, MailKind, string[], string | undefined, string][] = [
    // Our own mail coming back.
    ['carries our loop header', 'loop', [...CUSTOMER, 'X-Deskmail-Loop: support@helpdesk.test'], undefined, 'own-loop'],
    ['carries our loop header in another case', 'loop', [...CUSTOMER, 'X-Deskmail-Loop: Support@HelpDesk.test'], undefined, 'own-loop'],
    ['comes from the helpdesk address', 'loop', ['From: Support <support@helpdesk.test>', 'To: ann@example.test', 'Subject: [HD-1] hello'], undefined, 'own-loop'],
    ['comes from the helpdesk address in capitals', 'loop', ['From: SUPPORT@HELPDESK.TEST', 'To: ann@example.test', 'Subject: hi'], undefined, 'own-loop'],
    // Bounces.
    ['is a multipart/report delivery-status DSN', 'bounce', ['From: Mail System <bounces@mx.example.test>', 'To: support@helpdesk.test', 'Subject: Undelivered Mail', ...DSN_PARTS], DSN_BODY, 'bounce'],
    ['is a DSN that also says Auto-Submitted (bounce wins)', 'bounce', ['From: Mail System <bounces@mx.example.test>', 'Subject: failure', 'Auto-Submitted: auto-replied', ...DSN_PARTS], DSN_BODY, 'bounce'],
    ['has X-Failed-Recipients', 'bounce', [...CUSTOMER, 'X-Failed-Recipients: gone@example.test'], undefined, 'bounce'],
    ['has a null Return-Path', 'bounce', ['Return-Path: <>', ...CUSTOMER], undefined, 'bounce'],
    ['has a null Return-Path with spaces', 'bounce', ['Return-Path: < >', ...CUSTOMER], undefined, 'bounce'],
    ['comes from MAILER-DAEMON', 'bounce', ['From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.test>', 'To: support@helpdesk.test', 'Subject: Returned mail'], undefined, 'bounce'],
    ['comes from postmaster', 'bounce', ['From: postmaster@example.test', 'To: support@helpdesk.test', 'Subject: Delivery failure'], undefined, 'bounce'],
    // Automatic replies and bulk mail.
    ['says Auto-Submitted: auto-replied', 'auto-reply', [...CUSTOMER, 'Auto-Submitted: auto-replied'], undefined, 'auto-reply'],
    ['says Auto-Submitted: auto-generated', 'auto-reply', [...CUSTOMER, 'Auto-Submitted: auto-generated'], undefined, 'auto-reply'],
    ['says Precedence: bulk', 'auto-reply', [...CUSTOMER, 'Precedence: bulk'], undefined, 'auto-reply'],
    ['says Precedence: junk', 'auto-reply', [...CUSTOMER, 'Precedence: junk'], undefined, 'auto-reply'],
    ['says Precedence: list', 'auto-reply', [...CUSTOMER, 'Precedence: List'], undefined, 'auto-reply'],
    ['has X-Autoreply', 'auto-reply', [...CUSTOMER, 'X-Autoreply: yes'], undefined, 'auto-reply'],
    ['has X-Autorespond', 'auto-reply', [...CUSTOMER, 'X-Autorespond: Out of office'], undefined, 'auto-reply'],
    // People.
    ['is plain mail from a person', 'human', CUSTOMER, undefined, 'screen'],
    ['says Auto-Submitted: no', 'human', [...CUSTOMER, 'Auto-Submitted: no'], undefined, 'screen'],
    ['says Auto-Submitted: No', 'human', [...CUSTOMER, 'Auto-Submitted: No'], undefined, 'screen'],
    ['says Precedence: first-class', 'human', [...CUSTOMER, 'Precedence: first-class'], undefined, 'screen'],
    ['has an ordinary Return-Path', 'human', ['Return-Path: <ann@example.test>', ...CUSTOMER], undefined, 'screen'],
    ['carries another helpdesk’s loop header', 'human', [...CUSTOMER, 'X-Deskmail-Loop: help@other.test'], undefined, 'screen'],
    ['is a multipart/mixed mail with an attachment', 'human', [...CUSTOMER, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'], '--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: text/plain; name="log.txt"\nContent-Disposition: attachment; filename="log.txt"\n\nerror 42\n--b--\n', 'screen'],
  ];

  it.each(cases)('a mail that %s is %s', async (_name, kind, headerLines, body, stage) => {
    const result = screenMail(await parsedMessage(headerLines, body), CTX);
    expect(result.kind).toBe(kind);
    expect(result.decision.verdict).toBe(kind);
    expect(result.decision.stage).toBe(stage === 'screen' ? 'screen' : `screen:${stage}`);
    expect(result.decision.reason).not.toBe('');
  });
});
