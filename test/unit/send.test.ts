import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { header, parseMail, type InboundMail } from '../../src/mail/parse.js';
import { screenMail } from '../../src/mail/screen/index.js';
import { folderTransport, isPermanentSendError, MAX_SEND_ATTEMPTS, retryDelaySeconds } from '../../src/outbox/send.js';
import type { OutboxRow } from '../../src/store/outbox.js';

/** An SMTP failure as nodemailer reports it. */
function smtpError(message: string, fields: { code?: string; responseCode?: number }): Error {
  return Object.assign(new Error(message), fields);
}

describe('isPermanentSendError: which failures are given up at once', () => {
  const cases: [string, unknown, boolean][] = [
    ['550 mailbox unavailable', smtpError('550 5.1.1 <gone@example.test>: Recipient address rejected', { code: 'EENVELOPE', responseCode: 550 }), true],
    ['554 transaction failed', smtpError('554 5.7.1 rejected as spam', { code: 'EMESSAGE', responseCode: 554 }), true],
    ['553 bad sender address', smtpError('553 5.1.8 sender address rejected', { code: 'EENVELOPE', responseCode: 553 }), true],
    ['a recipient nodemailer itself finds invalid', smtpError('Invalid recipient "not an address"', { code: 'EENVELOPE' }), true],
    ['no recipients at all', smtpError('No recipients defined', { code: 'EENVELOPE' }), true],
    ['421 service not available (try later)', smtpError('421 4.3.2 try again later', { code: 'ECONNECTION', responseCode: 421 }), false],
    ['450 mailbox busy', smtpError('450 4.2.1 mailbox busy', { code: 'EENVELOPE', responseCode: 450 }), false],
    ['451 greylisted', smtpError('451 4.7.1 greylisted, retry in 5 minutes', { code: 'EENVELOPE', responseCode: 451 }), false],
    ['a refused connection', smtpError('connect ECONNREFUSED 127.0.0.1:587', { code: 'ECONNECTION' }), false],
    ['a timeout', smtpError('Connection timeout', { code: 'ETIMEDOUT' }), false],
    ['a failed TLS handshake', smtpError('unable to verify the first certificate', { code: 'ESOCKET' }), false],
    ['an error without any code', new Error('something odd'), false],
  ];
  it.each(cases)('%s → permanent: %s', (_name, err, permanent) => {
    expect(isPermanentSendError(err)).toBe(permanent);
  });
});

describe('retryDelaySeconds: backoff between attempts', () => {
  it.each([
    [0, 10],
    [1, 10],
    [2, 20],
    [3, 40],
    [4, 80],
    [8, 1280],
    [9, 2560],
    [10, 3600],
    [MAX_SEND_ATTEMPTS, 3600],
    [100, 3600],
  ])('after attempt %i the next try waits %i s', (attempts, seconds) => {
    expect(retryDelaySeconds(attempts)).toBe(seconds);
  });

  it('never shrinks and never exceeds one hour', () => {
    for (let a = 1; a <= MAX_SEND_ATTEMPTS + 5; a++) {
      expect(retryDelaySeconds(a)).toBeGreaterThanOrEqual(retryDelaySeconds(a - 1));
      expect(retryDelaySeconds(a)).toBeLessThanOrEqual(3600);
    }
  });
});

describe('folderTransport: local mode writes each outgoing mail as an .eml file', () => {
  const row: OutboxRow = {
    id: 7,
    ticket_id: 1,
    kind: 'received',
    message_id: 'HD-1.received.0b9f4c2e@helpdesk.test',
    from_address: 'support@helpdesk.test',
    from_name: null,
    to_addresses: ['ann@example.test'],
    subject: '[HD-1] Printer on fire',
    text_body: 'We have received your request.\n',
    html_body: '<p>We have received your request.</p>',
    headers: {
      'Reply-To': 'support@helpdesk.test',
      'Auto-Submitted': 'auto-replied',
      'X-Auto-Response-Suppress': 'All',
      'X-Deskmail-Loop': 'support@helpdesk.test',
      'X-Deskmail-Ticket': 'HD-1',
      'In-Reply-To': '<m1@example.test>',
      References: '<m0@example.test> <m1@example.test>',
    },
    status: 'pending',
    attempts: 1,
    next_attempt_at: new Date('2026-11-23T10:00:00Z'),
    locked_until: null,
    last_error: null,
    sent_at: null,
    created_at: new Date('2026-11-23T10:00:00Z'),
  };
  let dir: string;
  let file: string;
  let written: InboundMail;
  let source: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deskmail-outbox-'));
    const transport = folderTransport(dir);
    await transport.send(row, 'Acme Support');
    transport.close();
    file = join(dir, 'HD-1.received.0b9f4c2e_helpdesk.test.eml');
    source = readFileSync(file, 'utf8');
    written = await parseMail(Buffer.from(source));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file after the Message-ID and leaves no temporary file behind', () => {
    expect(readdirSync(dir)).toEqual(['HD-1.received.0b9f4c2e_helpdesk.test.eml']);
  });

  it('carries the Message-ID fixed in the outbox row', () => {
    expect(written.messageId).toBe(row.message_id);
    expect(source).toMatch(/^Message-ID: <HD-1\.received\.0b9f4c2e@helpdesk\.test>$/im);
  });

  it('threads under the customer’s mail with In-Reply-To and References', () => {
    expect(header(written, 'in-reply-to')).toBe('<m1@example.test>');
    expect(written.inReplyTo).toBe('m1@example.test');
    expect(written.references).toEqual(['m0@example.test', 'm1@example.test']);
  });

  it('says it is automatic and asks for no auto-replies', () => {
    expect(header(written, 'auto-submitted')).toBe('auto-replied');
    expect(header(written, 'x-auto-response-suppress')).toBe('All');
  });

  it('asks for replies to the helpdesk address', () => {
    expect(written.replyTo?.address).toBe('support@helpdesk.test');
  });

  it('comes from the helpdesk with its display name, to the customer, with the ticket tag', () => {
    expect(written.from).toEqual({ address: 'support@helpdesk.test', name: 'Acme Support' });
    expect(written.to.map((m) => m.address)).toEqual(['ann@example.test']);
    expect(written.subject).toBe('[HD-1] Printer on fire');
  });

  it('has the text and the HTML part', () => {
    expect(written.text).toContain('We have received your request.');
    expect(written.html).toContain('<p>We have received your request.</p>');
  });

  it('is recognised as our own mail if it ever comes back', () => {
    expect(screenMail(written, { helpdeskAddress: 'support@helpdesk.test', loopToken: 'support@helpdesk.test' }).kind).toBe('loop');
  });
});
