import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AttachmentStore } from '../../src/mail/attachments.js';
import { parseMail } from '../../src/mail/parse.js';
import { rawHead, rawSize, type SpooledMail } from '../../src/mail/raw-mail.js';

/** Large IMAP mail is parsed from its spooled file: it must read exactly as the same bytes in memory. */
async function spool(raw: Buffer): Promise<SpooledMail> {
  const files = new AttachmentStore(mkdtempSync(join(tmpdir(), 'deskmail-spool-')));
  const stored = await files.save(Readable.from([raw]));
  return { path: files.pathOf(stored.sha256), ...stored };
}

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');

describe('a spooled mail parses like the same bytes in memory', () => {
  const cases: [string, Buffer][] = [
    ['plain', crlf(['From: Ann <ann@example.test>', 'To: support@helpdesk.test', 'Subject: Printer', 'Message-ID: <a1@example.test>', '', 'It is broken.', ''])],
    ['no Message-ID (synthesised from the hash)', crlf(['From: ann@example.test', 'To: support@helpdesk.test', 'Subject: No id', '', 'Hello.', ''])],
    ['bare CR line ends (classic Mac)', Buffer.from(['From: ann@example.test', 'To: support@helpdesk.test', 'Subject: Mac mail', 'Message-ID: <mac@example.test>', '', 'Line one.', 'Line two.', ''].join('\r'), 'latin1')],
    ['multipart without its boundary (raw body text)', crlf(['From: ann@example.test', 'Subject: Broken', 'Message-ID: <nb@example.test>', 'Content-Type: multipart/mixed', '', 'Just text really.', ''])],
    [
      'an attachment',
      crlf(['From: ann@example.test', 'Subject: File', 'Message-ID: <f@example.test>', 'Content-Type: multipart/mixed; boundary=x', '', '--x', 'Content-Type: text/plain', '', 'See file.', '--x', 'Content-Type: application/octet-stream; name=a.bin', 'Content-Transfer-Encoding: base64', '', Buffer.from('hello world').toString('base64'), '--x--', '']),
    ],
  ];
  for (const [name, raw] of cases) {
    it(name, async () => {
      const spooled = await spool(raw);
      expect(rawSize(spooled)).toBe(raw.length);
      expect(rawHead(spooled, 10).equals(raw.subarray(0, 10))).toBe(true);
      const fromFile = await parseMail(spooled);
      const fromMemory = await parseMail(raw);
      expect({ ...fromFile, headers: [...fromFile.headers] }).toEqual({ ...fromMemory, headers: [...fromMemory.headers] });
    });
  }
});
