import { describe, expect, it } from 'vitest';
import { header, messageIdsIn, parseMail, syntheticMessageId, UnparseableMailError, type InboundMail } from '../../src/mail/parse.js';
import { parsedMessage, rawMessage } from '../support/raw-mail.js';

const BASE = ['From: Ann Customer <Ann@Example.TEST>', 'To: support@helpdesk.test', 'Subject: Printer on fire'];

describe('parseMail: Message-IDs', () => {
  const cases: [string, string, string][] = [
    ['in angle brackets, which are dropped', 'Message-ID: <abc.123@example.test>', 'abc.123@example.test'],
    ['without brackets, as some clients write it', 'Message-ID: abc.123@example.test', 'abc.123@example.test'],
    ['with spaces inside the brackets', 'Message-ID: < abc.123@example.test >', 'abc.123@example.test'],
    ['with the header name in another case', 'Message-Id: <abc.123@example.test>', 'abc.123@example.test'],
  ];
  it.each(cases)('a Message-ID %s is read', async (_name, line, expected) => {
    const mail = await parsedMessage([...BASE, line]);
    expect(mail.messageId).toBe(expected);
    expect(mail.hasOwnMessageId).toBe(true);
  });

  it('a mail without a Message-ID gets a synthetic one, the same each time it is delivered', async () => {
    const raw = rawMessage(BASE);
    const first = await parseMail(raw);
    const again = await parseMail(Buffer.from(raw));
    expect(first.hasOwnMessageId).toBe(false);
    expect(first.messageId).toMatch(/^[0-9a-f]{40}@deskmail\.invalid$/);
    expect(again.messageId).toBe(first.messageId);
    expect(first.messageId).toBe(syntheticMessageId(raw));
  });

  it('two different mails without a Message-ID get different synthetic ids', async () => {
    const one = await parseMail(rawMessage(BASE, 'first\n'));
    const two = await parseMail(rawMessage(BASE, 'second\n'));
    expect(one.messageId).not.toBe(two.messageId);
  });

  it('In-Reply-To and References are read with or without brackets, in order', async () => {
    const mail = await parsedMessage([...BASE, 'In-Reply-To: parent@example.test', 'References: <root@example.test>\n <parent@example.test>']);
    expect(mail.inReplyTo).toBe('parent@example.test');
    expect(mail.references).toEqual(['root@example.test', 'parent@example.test']);
  });

  it.each([
    ['a bracketed list', '<a@x> <b@y>', ['a@x', 'b@y']],
    ['a list without brackets', 'a@x b@y', ['a@x', 'b@y']],
    ['comments between ids', '<a@x> (first) <b@y>', ['a@x', 'b@y']],
    ['nothing', '', []],
  ])('messageIdsIn reads %s', (_name, value, expected) => {
    expect(messageIdsIn(value)).toEqual(expected);
  });
});

describe('parseMail: text, subject and addresses', () => {
  it('an HTML-only mail still gets a plain-text body', async () => {
    const mail = await parsedMessage([...BASE, 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8'], '<html><body><p>Hello <b>team</b>,</p><p>the printer is on fire.</p></body></html>\n');
    expect(mail.html).toContain('<b>team</b>');
    expect(mail.text).toContain('Hello team');
    expect(mail.text).toContain('the printer is on fire.');
    expect(mail.text).not.toContain('<');
  });

  it('a multipart/alternative mail uses its own text part', async () => {
    const mail = await parsedMessage(
      [...BASE, 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="alt"'],
      '--alt\nContent-Type: text/plain\n\nplain words\n--alt\nContent-Type: text/html\n\n<p>html words</p>\n--alt--\n',
    );
    expect(mail.text.trim()).toBe('plain words');
    expect(mail.html).toContain('html words');
  });

  it.each([
    ['Base64 UTF-8', 'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=', 'Grüße aus Köln'],
    ['Q-encoded UTF-8 with underscores for spaces', 'Subject: =?utf-8?Q?Drucker_brennt_=E2=80=93_dringend?=', 'Drucker brennt – dringend'],
    ['ISO-8859-1', 'Subject: =?ISO-8859-1?Q?Caf=E9?= ouvert', 'Café ouvert'],
    ['split over folded lines', 'Subject: =?UTF-8?Q?Printer_is?=\n =?UTF-8?Q?_on_fire?=', 'Printer is on fire'],
  ])('an encoded-word subject (%s) is decoded', async (_name, line, expected) => {
    const mail = await parsedMessage(['From: ann@example.test', line]);
    expect(mail.subject).toBe(expected);
  });

  it('a folded plain subject becomes one line', async () => {
    const mail = await parsedMessage(['From: ann@example.test', 'Subject: Printer\n   on   fire']);
    expect(mail.subject).toBe('Printer on fire');
  });

  it('addresses are lower-cased and display names decoded', async () => {
    const mail = await parsedMessage(['From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <Joerg@Example.TEST>', 'To: Support <SUPPORT@helpdesk.test>', 'Cc: a@x.test, "B, Person" <b@x.test>', 'Reply-To: other@example.test', 'Subject: hi']);
    expect(mail.from).toEqual({ address: 'joerg@example.test', name: 'Jörg Müller' });
    expect(mail.to).toEqual([{ address: 'support@helpdesk.test', name: 'Support' }]);
    expect(mail.cc.map((m) => m.address)).toEqual(['a@x.test', 'b@x.test']);
    expect(mail.replyTo?.address).toBe('other@example.test');
  });

  it('recipients include To, Cc, Delivered-To and X-Original-To, each once', async () => {
    const mail = await parsedMessage([
      'Delivered-To: support+HD-3@helpdesk.test',
      'X-Original-To: <Support+HD-4@HelpDesk.test>',
      'From: ann@example.test',
      'To: support@helpdesk.test',
      'Cc: support@helpdesk.test, boss@example.test',
      'Subject: hi',
    ]);
    expect(mail.recipients.sort()).toEqual(['boss@example.test', 'support+hd-3@helpdesk.test', 'support+hd-4@helpdesk.test', 'support@helpdesk.test']);
  });

  it('an undisclosed-recipients group gives no To addresses', async () => {
    const mail = await parsedMessage(['From: ann@example.test', 'To: undisclosed-recipients:;', 'Subject: hi']);
    expect(mail.to).toEqual([]);
  });

  it('a valid Date is kept; a mail without one has none', async () => {
    expect((await parsedMessage([...BASE, 'Date: Mon, 23 Nov 2026 10:00:00 +0000'])).date?.toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect((await parsedMessage(BASE)).date).toBeUndefined();
  });

  it('a broken Date is dropped, not replaced by the time the mail was read', async () => {
    expect((await parsedMessage([...BASE, 'Date: yesterday-ish'])).date).toBeUndefined();
  });

  it('headers are kept by lower-case name, every occurrence, unfolded', async () => {
    const mail = await parsedMessage(['Received: from a by b;\n Mon, 23 Nov 2026 10:00:00 +0000', 'Received: from c by d', ...BASE, 'X-Custom: one']);
    expect(mail.headers.get('received')).toEqual(['from a by b; Mon, 23 Nov 2026 10:00:00 +0000', 'from c by d']);
    expect(header(mail, 'X-CUSTOM')).toBe('one');
    expect(header(mail, 'x-missing')).toBeUndefined();
  });

  it('attachments are listed with name, type and size', async () => {
    const mail = await parsedMessage(
      [...BASE, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      '--b\nContent-Type: text/plain\n\nsee log\n--b\nContent-Type: text/plain; name="log.txt"\nContent-Disposition: attachment; filename="log.txt"\n\nerror 42\n--b--\n',
    );
    // Hashed while streamed (sha256 of "error 42" as decoded), not stored without an attachment store.
    expect(mail.attachments).toEqual([{ filename: 'log.txt', contentType: 'text/plain', size: expect.any(Number) as number, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string, stored: false }]);
    expect(mail.contentType).toBe('multipart/mixed');
  });

  it('streams attachments into the content-addressed store, once per content', async () => {
    const { AttachmentStore } = await import('../../src/mail/attachments.js');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const store = new AttachmentStore(mkdtempSync(join(tmpdir(), 'deskmail-att-')));
    const raw = rawMessage(
      [...BASE, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      '--b\nContent-Type: text/plain\n\nsee log\n--b\nContent-Type: application/octet-stream; name="a.bin"\nContent-Transfer-Encoding: base64\n\nAAECAwQ=\n--b\nContent-Type: application/octet-stream; name="b.bin"\nContent-Transfer-Encoding: base64\n\nAAECAwQ=\n--b--\n',
    );
    const mail = await parseMail(raw, { attachments: store });
    expect(mail.attachments.map((a) => a.filename)).toEqual(['a.bin', 'b.bin']);
    expect(mail.attachments[0]!.sha256).toBe(mail.attachments[1]!.sha256);
    expect(mail.attachments[0]).toMatchObject({ size: 5, stored: true });
    expect([...readFileSync(store.pathOf(mail.attachments[0]!.sha256))]).toEqual([0, 1, 2, 3, 4]);
  });

  it('a mail without Content-Type is text/plain', async () => {
    expect((await parsedMessage(BASE)).contentType).toBe('text/plain');
  });
});

/**
 * What happens to input that is no mail at all. Today parseMail does not throw for it: mailparser
 * reads the first line as a header with an empty name, so the result has no From; receiveMail
 * then quarantines it ("no usable From address"). Either way, garbage never yields a sender.
 */
describe('parseMail: garbage', () => {
  async function parseOrError(raw: Buffer): Promise<InboundMail | UnparseableMailError> {
    try {
      return await parseMail(raw);
    } catch (err) {
      if (err instanceof UnparseableMailError) return err;
      throw err;
    }
  }

  it.each([
    ['plain text without header fields', Buffer.from('this is not a mail\nat all\n')],
    ['an empty input', Buffer.alloc(0)],
    ['binary noise', Buffer.from([0, 1, 2, 3, 255, 254, 10, 13, 0, 0x1b])],
    ['a header block without From', rawMessage(['Subject: orphan', 'X-Thing: yes'])],
  ])('%s never yields a sender (the pipeline quarantines it)', async (_name, raw) => {
    const result = await parseOrError(raw);
    if (result instanceof UnparseableMailError) {
      expect(result.message).not.toBe('');
    } else {
      expect(result.from).toBeUndefined();
      expect(result.hasOwnMessageId).toBe(false);
    }
  });

  it('a From without an address yields no sender', async () => {
    const mail = await parsedMessage(['From: Just A Name', 'Subject: hi']);
    expect(mail.from).toBeUndefined();
  });
});
