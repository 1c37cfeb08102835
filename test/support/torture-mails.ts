import { randomBytes } from 'node:crypto';
import iconv from 'iconv-lite';

/**
 * Nasty raw messages, generated in code: what the world really sends a shared mailbox (broken
 * MIME, garbage headers, odd charsets, huge and tiny mails). Each comes with what a person looking
 * at the helpdesk should see afterwards, so a test can check the pipeline both survives the mail
 * and makes sense of it.
 *
 * iconv-lite is mailparser's own charset library (resolvable from node_modules); ISO-2022-JP is
 * built from its EUC-JP encoder (same JIS X 0208 code points, high bit cleared), and checked
 * against a hand-encoded reference in `selfCheck()`.
 */

export type TortureOutcome = 'stored' | 'quarantined' | 'duplicate' | 'dropped';

export interface TortureExpectation {
  outcome: TortureOutcome;
  /** Not stored: the reason must name the problem. */
  reason?: RegExp;
  /** Stored: what the message row must hold. */
  subject?: string;
  fromAddress?: string;
  fromName?: string;
  bodyIncludes?: string[];
  bodyExcludes?: string[];
  bodyEquals?: string;
  /** The Date header as stored; null = unknown. */
  sentAt?: Date | null;
  messageId?: string | RegExp;
  /** At least this many To addresses kept. */
  minTo?: number;
  /** Threads onto the ticket of this earlier case. */
  sameTicketAs?: string;
  /** The attachments kept (name and decoded size), in order. */
  attachments?: { filename: string; size: number }[];
  /** The stored body may be empty (the mail had no text). */
  emptyBodyOk?: boolean;
}

export interface TortureMail {
  name: string;
  /** In words: what a person using the helpdesk should see. */
  shows: string;
  build(): Buffer;
  expect: TortureExpectation;
}

export const HELPDESK = 'support@helpdesk.test';

// ---------------------------------------------------------------------------------------------
// Encoders

const CRLF = '\r\n';

type Piece = string | Buffer;

/** Concatenates pieces; strings as UTF-8, Buffers as they are (raw 8-bit bytes). */
export function bytes(...pieces: Piece[]): Buffer {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

/** A message from header lines and a body, with the given line end everywhere. */
export function message(headers: Piece[], body: Piece, eol = CRLF): Buffer {
  const parts: Piece[] = [];
  for (const h of headers) parts.push(h, eol);
  parts.push(eol);
  parts.push(typeof body === 'string' ? body.replace(/\r?\n/g, eol) : body);
  return bytes(...parts);
}

/** Base64 in 76-column lines (CRLF). */
export function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

/** ISO-2022-JP (RFC 1468): ASCII, and JIS X 0208 between ESC $ B … ESC ( B. Each line ends in ASCII. */
export function iso2022jp(text: string): Buffer {
  const out: number[] = [];
  let jis = false;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) {
      if (jis) out.push(0x1b, 0x28, 0x42);
      jis = false;
      out.push(code);
      continue;
    }
    const euc = iconv.encode(ch, 'euc-jp');
    if (euc.length !== 2 || euc[0]! < 0xa1 || euc[1]! < 0xa1) throw new Error(`not a JIS X 0208 character: ${ch}`);
    if (!jis) out.push(0x1b, 0x24, 0x42);
    jis = true;
    out.push(euc[0]! & 0x7f, euc[1]! & 0x7f);
  }
  if (jis) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

export function windows1250(text: string): Buffer {
  return iconv.encode(text, 'windows-1250');
}

/** Classic uuencode of one file ("begin 644 name" … "end"). */
export function uuencode(name: string, data: Buffer): string {
  const ch = (n: number): string => (n === 0 ? '`' : String.fromCharCode(32 + n));
  const lines = [`begin 644 ${name}`];
  for (let i = 0; i < data.length; i += 45) {
    const chunk = data.subarray(i, i + 45);
    let line = ch(chunk.length);
    for (let j = 0; j < chunk.length; j += 3) {
      const a = chunk[j]!;
      const b = chunk[j + 1] ?? 0;
      const c = chunk[j + 2] ?? 0;
      line += ch(a >> 2) + ch(((a << 4) | (b >> 4)) & 63) + ch(((b << 2) | (c >> 6)) & 63) + ch(c & 63);
    }
    lines.push(line);
  }
  lines.push('`', 'end');
  return lines.join(CRLF);
}

/** Sanity of the encoders against hand-made references; throws when one is wrong. */
export function selfCheck(): void {
  // 日本語 is 0x467C 0x4B5C 0x386C in JIS X 0208.
  const jp = iso2022jp('a日本語b').toString('hex');
  if (jp !== '611b2442467c4b5c386c1b284262') throw new Error(`ISO-2022-JP encoder is wrong: ${jp}`);
  // ż=0xBF ó=0xF3 ł=0xB3 ř=0xF8 ů=0xF9 in windows-1250.
  const cp = windows1250('żółřů').toString('hex');
  if (cp !== 'bff3b3f8f9') throw new Error(`windows-1250 encoder is wrong: ${cp}`);
  // "Cat" uuencodes to "#0V%T".
  if (!uuencode('c', Buffer.from('Cat')).includes('#0V%T')) throw new Error('uuencode is wrong');
}

// ---------------------------------------------------------------------------------------------
// The mails

/** Ordinary headers for case `n`: a distinct sender and Message-ID, so cases never collide. */
function std(n: number, subject: string, extra: Piece[] = []): Piece[] {
  return [
    `From: Customer ${n} <customer${n}@example.test>`,
    `To: ${HELPDESK}`,
    `Subject: ${subject}`,
    'Date: Tue, 04 Mar 2025 10:15:00 +0100',
    `Message-ID: <torture-${n}@example.test>`,
    ...extra,
  ];
}

const JP_SUBJECT = 'お問い合わせ：ログインできません';
const JP_BODY = ['お世話になっております。', 'ログインできません。パスワードを再設定してください。', 'よろしくお願いいたします。'];
const PL_TEXT = 'Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig.';
const CZ_TEXT = 'Příliš žluťoučký kůň úpěl ďábelské ódy.';

function nestedRfc822(level: number): string {
  const boundary = `nest-${level}`;
  const headers = [
    `From: Level ${level} <level${level}@example.test>`,
    'To: someone@example.test',
    `Subject: Level ${level}`,
    `Message-ID: <nested-${level}@example.test>`,
    'MIME-Version: 1.0',
  ];
  if (level === 3) return [...headers, 'Content-Type: text/plain; charset=utf-8', '', 'The innermost message, three levels down.'].join(CRLF);
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Text of level ${level}.`,
    `--${boundary}`,
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="forwarded.eml"',
    '',
    nestedRfc822(level + 1),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

/** Builds the list afresh (cheap: big payloads are made only when a case's build() runs). */
export function tortureMails(): TortureMail[] {
  const mails: TortureMail[] = [];
  const add = (m: TortureMail): void => void mails.push(m);
  let seq = 0;
  const n = (): number => ++seq;

  {
    const i = n();
    add({
      name: 'baseline: ordinary CRLF mail',
      shows: 'a new ticket with the text',
      build: () => message(std(i, 'Printer on fire'), 'Hello,\n\nmy printer is on fire.\n'),
      expect: { outcome: 'stored', subject: 'Printer on fire', fromAddress: `customer${i}@example.test`, fromName: `Customer ${i}`, bodyIncludes: ['my printer is on fire.'], sentAt: new Date('2025-03-04T09:15:00Z') },
    });
  }

  // --- Line ends -----------------------------------------------------------------------------
  {
    const i = n();
    add({
      name: 'line ends: LF only',
      shows: 'the same as CRLF',
      build: () => message(std(i, 'Unix line ends'), 'Hello,\nthe export button does nothing.\n', '\n'),
      expect: { outcome: 'stored', subject: 'Unix line ends', fromAddress: `customer${i}@example.test`, bodyIncludes: ['the export button does nothing.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'line ends: CR only (classic Mac)',
      shows: 'the same as CRLF: sender, subject and text',
      build: () => message(std(i, 'Old Mac line ends'), 'Hello,\rthe sync stopped yesterday.\r', '\r'),
      expect: { outcome: 'stored', subject: 'Old Mac line ends', fromAddress: `customer${i}@example.test`, bodyIncludes: ['the sync stopped yesterday.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'line ends: mixed CRLF, LF and bare CR in the body',
      shows: 'the text, line by line',
      build: () => bytes(std(i, 'Mixed line ends').join('\r\n'), '\r\n\r\n', 'First line\r\nSecond line\nThird line\rFourth line\r\n'),
      expect: { outcome: 'stored', subject: 'Mixed line ends', bodyIncludes: ['First line', 'Second line', 'Third line', 'Fourth line'] },
    });
  }

  // --- Malformed MIME ------------------------------------------------------------------------
  {
    const i = n();
    add({
      name: 'MIME: multipart without a boundary parameter',
      shows: 'the customer\'s text (the structure is unusable, the words are not)',
      build: () =>
        message(
          [...std(i, 'No boundary'), 'MIME-Version: 1.0', 'Content-Type: multipart/mixed'],
          '--XYZ\nContent-Type: text/plain; charset=utf-8\n\nThe invoice total is wrong.\n--XYZ--\n',
        ),
      expect: { outcome: 'stored', subject: 'No boundary', bodyIncludes: ['The invoice total is wrong.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'MIME: unterminated multipart (no closing boundary, truncated part)',
      shows: 'the text of the complete first part',
      build: () =>
        message(
          [...std(i, 'Truncated multipart'), 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"'],
          '--b1\nContent-Type: text/plain; charset=utf-8\n\nPlease cancel order 4711.\n--b1\nContent-Type: application/pdf; name="order.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcOkw7zDtsOf\nJVBERi0x',
        ),
      expect: { outcome: 'stored', subject: 'Truncated multipart', bodyIncludes: ['Please cancel order 4711.'] },
    });
  }
  {
    const i = n();
    const good = Buffer.from('Hello from a broken base64 encoder. My account is locked.\n').toString('base64');
    // Junk outside the base64 alphabet, a stray space, a line of only junk, and the padding cut off.
    const broken = `${good.slice(0, 20)}!!@@ ${good.slice(20, 40)}\n*** --- ***\n${good.slice(40).replace(/=+$/, '')}\n`;
    add({
      name: 'MIME: bad base64 (junk characters, wrong padding)',
      shows: 'the readable text the decoder can recover',
      build: () => message([...std(i, 'Bad base64'), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], broken),
      expect: { outcome: 'stored', subject: 'Bad base64', bodyIncludes: ['Hello from a broken base64 encoder'] },
    });
  }
  {
    const i = n();
    add({
      name: 'MIME: bad quoted-printable (invalid escapes, dangling =)',
      shows: 'the text with valid escapes decoded and invalid ones left as written',
      build: () =>
        message(
          [...std(i, 'Bad quoted-printable'), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
          'The price is 100 =E2=82=AC per seat.\nBroken escape =ZZ here and =4 there.\nA soft=\nbreak and a dangling equals at the end=',
        ),
      expect: { outcome: 'stored', subject: 'Bad quoted-printable', bodyIncludes: ['The price is 100 € per seat.', 'Broken escape', 'A softbreak'] },
    });
  }

  // --- From ----------------------------------------------------------------------------------
  {
    const i = n();
    add({
      name: 'From: missing',
      shows: 'the mail in quarantine, reason: no usable From address',
      build: () => message([`To: ${HELPDESK}`, 'Subject: Who am I', `Message-ID: <torture-${i}@example.test>`], 'No sender here.'),
      expect: { outcome: 'quarantined', reason: /from/i },
    });
  }
  {
    const i = n();
    add({
      name: 'From: garbage "<<<>>>"',
      shows: 'the mail in quarantine, reason: no usable From address',
      build: () => message(['From: <<<>>>', `To: ${HELPDESK}`, 'Subject: Garbage sender', `Message-ID: <torture-${i}@example.test>`], 'Text.'),
      expect: { outcome: 'quarantined', reason: /from/i },
    });
  }
  {
    const i = n();
    add({
      name: 'From: "undisclosed-recipients:;" (empty group)',
      shows: 'the mail in quarantine, reason: no usable From address',
      build: () => message(['From: undisclosed-recipients:;', `To: ${HELPDESK}`, 'Subject: Group sender', `Message-ID: <torture-${i}@example.test>`], 'Text.'),
      expect: { outcome: 'quarantined', reason: /from/i },
    });
  }
  {
    const i = n();
    add({
      name: 'From: unbalanced quote in the display name',
      shows: 'a ticket from the address in angle brackets',
      build: () => message([`From: "Dana Broken <customer${i}@example.test>`, `To: ${HELPDESK}`, 'Subject: Unbalanced quote', `Message-ID: <torture-${i}@example.test>`], 'My name has a stray quote.'),
      expect: { outcome: 'stored', fromAddress: `customer${i}@example.test`, bodyIncludes: ['My name has a stray quote.'] },
    });
  }

  // --- Date ----------------------------------------------------------------------------------
  {
    const i = n();
    add({
      name: 'Date: missing',
      shows: 'a ticket; the sent time unknown (not invented)',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'Subject: No date', `Message-ID: <torture-${i}@example.test>`], 'Undated.'),
      expect: { outcome: 'stored', subject: 'No date', sentAt: null, bodyIncludes: ['Undated.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'Date: garbage',
      shows: 'a ticket; the sent time unknown (not "now")',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'Subject: Garbage date', 'Date: yesterday-ish, around teatime', `Message-ID: <torture-${i}@example.test>`], 'When?'),
      expect: { outcome: 'stored', subject: 'Garbage date', sentAt: null, bodyIncludes: ['When?'] },
    });
  }
  {
    const i = n();
    add({
      name: 'Date: five-digit year typo (22025)',
      shows: 'a ticket; any sent time, but the mail is kept',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'Subject: Year typo', 'Date: Tue, 04 Mar 22025 10:15:00 +0100', `Message-ID: <torture-${i}@example.test>`], 'My clock is odd.'),
      expect: { outcome: 'stored', subject: 'Year typo', bodyIncludes: ['My clock is odd.'] },
    });
  }

  // --- Message-ID ----------------------------------------------------------------------------
  let noIdRaw: Buffer | undefined;
  const buildNoId = (i: number): Buffer =>
    (noIdRaw ??= message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'Subject: No Message-ID', 'Date: Tue, 04 Mar 2025 10:15:00 +0100'], 'I have no Message-ID.'));
  {
    const i = n();
    add({
      name: 'Message-ID: missing',
      shows: 'a ticket, under a Message-ID derived from the content',
      build: () => buildNoId(i),
      expect: { outcome: 'stored', subject: 'No Message-ID', messageId: /@deskmail\.invalid$/, bodyIncludes: ['I have no Message-ID.'] },
    });
    add({
      name: 'Message-ID: missing, same mail delivered again',
      shows: 'recognised as the same mail: a recorded duplicate, no second ticket',
      build: () => buildNoId(i),
      expect: { outcome: 'duplicate', reason: /duplicate/i },
    });
  }
  {
    const i = n();
    add({
      name: 'Message-ID: two Message-ID headers',
      shows: 'a ticket under one of the two ids',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'Subject: Two ids', `Message-ID: <first-${i}@example.test>`, `Message-ID: <second-${i}@example.test>`], 'Twice identified.'),
      expect: { outcome: 'stored', messageId: new RegExp(`^(first|second)-${i}@example\\.test$`), bodyIncludes: ['Twice identified.'] },
    });
  }
  {
    const i = n();
    const spaced = `<spaced ${i} id@example.test>`;
    add({
      name: 'Message-ID: with spaces',
      shows: 'a ticket; the id kept whole (no stray angle bracket)',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'Subject: Spaced id', `Message-ID: ${spaced}`], 'My mailer puts spaces in ids.'),
      expect: { outcome: 'stored', messageId: /^[^<>]*example\.test$/, bodyIncludes: ['My mailer puts spaces in ids.'] },
    });
    add({
      name: 'Message-ID: with spaces, another mail whose id ends the same',
      shows: 'a second, separate ticket (a different Message-ID is not a duplicate)',
      build: () => message([`From: other${i}@example.test`, `To: ${HELPDESK}`, 'Subject: Another spaced id', `Message-ID: <other ${i} id@example.test>`], 'A different mail from the same broken mailer.'),
      expect: { outcome: 'stored', subject: 'Another spaced id', bodyIncludes: ['A different mail from the same broken mailer.'] },
    });
    add({
      name: 'Message-ID: with spaces, a reply referencing it',
      shows: 'the reply on the same ticket',
      build: () =>
        message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'Subject: Re: Spaced id', `Message-ID: <reply-${i}@example.test>`, `In-Reply-To: ${spaced}`, `References: ${spaced}`], 'Any news?'),
      expect: { outcome: 'stored', sameTicketAs: 'Message-ID: with spaces', bodyIncludes: ['Any news?'] },
    });
  }

  // --- 8-bit headers, charsets ---------------------------------------------------------------
  {
    const i = n();
    add({
      name: 'headers: raw 8-bit UTF-8 in Subject and From name',
      shows: 'subject and sender name with their letters',
      build: () =>
        message(
          [`From: Jürgen Müller <customer${i}@example.test>`, `To: ${HELPDESK}`, 'Subject: Grüße aus Łódź — 日本語', `Message-ID: <torture-${i}@example.test>`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
          'Schöne Grüße.',
        ),
      expect: { outcome: 'stored', subject: 'Grüße aus Łódź — 日本語', fromName: 'Jürgen Müller', bodyIncludes: ['Schöne Grüße.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'headers: raw 8-bit Latin-1 in Subject and From name',
      shows: 'subject and sender name with their accents, no replacement characters',
      build: () =>
        message(
          [Buffer.from(`From: François Gérard <customer${i}@example.test>`, 'latin1'), `To: ${HELPDESK}`, Buffer.from('Subject: Café crème brûlée', 'latin1'), `Message-ID: <torture-${i}@example.test>`, 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'],
          Buffer.from('Très bien, merci.', 'latin1'),
        ),
      expect: { outcome: 'stored', subject: 'Café crème brûlée', fromName: 'François Gérard', bodyIncludes: ['Très bien, merci.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'charset: unknown "x-unknown" (UTF-8 bytes inside)',
      shows: 'the text, read as UTF-8',
      build: () => message([...std(i, 'Unknown charset'), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset="x-unknown"', 'Content-Transfer-Encoding: 8bit'], 'A plain sentence about a naïve café.'),
      expect: { outcome: 'stored', subject: 'Unknown charset', bodyIncludes: ['A plain sentence about a naïve café.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'charset: encoded-word in an unknown charset in Subject',
      shows: 'a readable subject',
      build: () => message(std(i, '=?x-unknown?Q?Hello_there?= and more'), 'Body.'),
      expect: { outcome: 'stored', subject: 'Hello there and more', bodyIncludes: ['Body.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'charset: ISO-2022-JP body and encoded-word Subject',
      shows: 'the Japanese subject and text',
      build: () =>
        message(
          [
            `From: =?ISO-2022-JP?B?${iso2022jp('山田太郎').toString('base64')}?= <customer${i}@example.test>`,
            `To: ${HELPDESK}`,
            `Subject: =?ISO-2022-JP?B?${iso2022jp(JP_SUBJECT).toString('base64')}?=`,
            `Message-ID: <torture-${i}@example.test>`,
            'MIME-Version: 1.0',
            'Content-Type: text/plain; charset=ISO-2022-JP',
            'Content-Transfer-Encoding: 7bit',
          ],
          Buffer.concat(JP_BODY.flatMap((line) => [iso2022jp(line), Buffer.from(CRLF)])),
        ),
      expect: { outcome: 'stored', subject: JP_SUBJECT, fromName: '山田太郎', bodyIncludes: JP_BODY },
    });
  }
  {
    const i = n();
    add({
      name: 'charset: windows-1250 body (Polish, Czech) and Q-encoded Subject',
      shows: 'every Polish and Czech letter',
      build: () =>
        message(
          [
            `From: customer${i}@example.test`,
            `To: ${HELPDESK}`,
            `Subject: =?windows-1250?Q?${[...windows1250('Żółta łódź')].map((b) => (b > 0x7e || b === 0x20 || b === 0x3d || b === 0x3f || b === 0x5f ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('')}?=`,
            `Message-ID: <torture-${i}@example.test>`,
            'MIME-Version: 1.0',
            'Content-Type: text/plain; charset=windows-1250',
            'Content-Transfer-Encoding: 8bit',
          ],
          windows1250(`${PL_TEXT}\r\n${CZ_TEXT}\r\n`),
        ),
      expect: { outcome: 'stored', subject: 'Żółta łódź', bodyIncludes: [PL_TEXT, CZ_TEXT] },
    });
  }
  {
    const i = n();
    add({
      name: 'charset: mislabelled UTF-8 (declared iso-8859-1)',
      shows: '"Grüße aus Köln", not mojibake like "GrÃ¼ÃŸe"',
      build: () => message([...std(i, 'Mislabelled'), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'], 'Viele Grüße aus Köln, schönen Tag.'),
      expect: { outcome: 'stored', subject: 'Mislabelled', bodyIncludes: ['Viele Grüße aus Köln, schönen Tag.'], bodyExcludes: ['Ã'] },
    });
  }

  // --- Attachments, encodings of whole files -------------------------------------------------
  {
    const i = n();
    // TNEF signature 0x223E9F78 (little-endian), legacy key, then an attLevel/attribute header.
    const tnef = Buffer.concat([Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00, 0x01, 0x06, 0x90, 0x08, 0x00, 0x04, 0x00, 0x00, 0x00]), randomBytes(200)]);
    add({
      name: 'attachment: TNEF winmail.dat',
      shows: 'the text of the mail (winmail.dat kept as an attachment)',
      build: () =>
        message(
          [...std(i, 'Outlook rich text'), 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="tnef"'],
          ['--tnef', 'Content-Type: text/plain; charset=us-ascii', '', 'The contract is in the attachment.', '--tnef', 'Content-Type: application/ms-tnef; name="winmail.dat"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="winmail.dat"', '', base64Lines(tnef), '--tnef--', ''].join('\n'),
        ),
      expect: { outcome: 'stored', subject: 'Outlook rich text', bodyIncludes: ['The contract is in the attachment.'], attachments: [{ filename: 'winmail.dat', size: tnef.length }] },
    });
  }
  {
    const i = n();
    add({
      name: 'body: uuencoded file ("begin 644 file.txt")',
      shows: 'the customer\'s sentence above the encoded file',
      build: () => message(std(i, 'Log file'), `Here is the log file you asked for.\n\n${uuencode('file.txt', Buffer.from('ERROR 42: disk full\nERROR 43: disk still full\n'))}\n`),
      expect: { outcome: 'stored', subject: 'Log file', bodyIncludes: ['Here is the log file you asked for.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'attachment: zero-byte file',
      shows: 'the text; the empty file does not break anything',
      build: () =>
        message(
          [...std(i, 'Empty attachment'), 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="zero"'],
          ['--zero', 'Content-Type: text/plain; charset=utf-8', '', 'The attached file is empty, that is the bug.', '--zero', 'Content-Type: application/octet-stream; name="empty.bin"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="empty.bin"', '', '', '--zero--', ''].join('\n'),
        ),
      expect: { outcome: 'stored', subject: 'Empty attachment', bodyIncludes: ['The attached file is empty, that is the bug.'], attachments: [{ filename: 'empty.bin', size: 0 }] },
    });
  }
  {
    const i = n();
    add({
      name: 'attachment: 25 MB (base64 of random bytes)',
      shows: 'the text; the big file does not stop the mailbox',
      build: () =>
        bytes(
          [...std(i, 'Big attachment'), 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="big"', '', '--big', 'Content-Type: text/plain; charset=utf-8', '', 'The video of the error is attached.', '--big', 'Content-Type: video/mp4; name="error.mp4"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="error.mp4"', '', ''].join(CRLF),
          base64Lines(randomBytes(25 * 1024 * 1024)),
          `${CRLF}--big--${CRLF}`,
        ),
      expect: { outcome: 'stored', subject: 'Big attachment', bodyIncludes: ['The video of the error is attached.'], attachments: [{ filename: 'error.mp4', size: 25 * 1024 * 1024 }] },
    });
  }
  {
    const i = n();
    add({
      name: 'MIME: message/rfc822 nested three levels deep',
      shows: 'the forwarding text; the forwarded chain kept',
      build: () =>
        message(
          [...std(i, 'Fwd: Fwd: Fwd: the chain'), 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="outer"'],
          ['--outer', 'Content-Type: text/plain; charset=utf-8', '', 'Forwarding the whole chain below.', '--outer', 'Content-Type: message/rfc822', '', nestedRfc822(1), '--outer--', ''].join('\n'),
        ),
      expect: { outcome: 'stored', subject: 'Fwd: Fwd: Fwd: the chain', bodyIncludes: ['Forwarding the whole chain below.'] },
    });
  }

  {
    const i = n();
    add({
      name: 'MIME: multipart nested 1000 levels deep',
      shows: 'the mail in quarantine, reason: the MIME structure is too deep',
      build: () => {
        let body = 'Deep inside.';
        let type = 'text/plain';
        for (let d = 0; d < 1000; d++) {
          body = `--d${d}\r\nContent-Type: ${type}\r\n\r\n${body}\r\n--d${d}--\r\n`;
          type = `multipart/mixed; boundary="d${d}"`;
        }
        return message([...std(i, 'Matryoshka'), 'MIME-Version: 1.0', `Content-Type: ${type}`], body);
      },
      expect: { outcome: 'quarantined', reason: /MIME/ },
    });
  }

  // --- Huge headers --------------------------------------------------------------------------
  {
    const i = n();
    add({
      name: 'headers: 200 KB header block (2000 Received lines)',
      shows: 'an ordinary ticket',
      build: () => {
        const received = Array.from({ length: 2000 }, (_, k) => `Received: from relay${k}.example.net (relay${k}.example.net [192.0.2.${k % 250}])\n\tby mx${k}.example.org with ESMTPS id ${k.toString(36)}; Tue, 4 Mar 2025 10:15:00 +0100`);
        return message([...received, ...std(i, 'Many hops')], 'I went through a lot of relays.');
      },
      expect: { outcome: 'stored', subject: 'Many hops', bodyIncludes: ['I went through a lot of relays.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'headers: one 20 KB header line (References, 500 ids, unfolded)',
      shows: 'an ordinary ticket',
      build: () => message([...std(i, 'Long thread'), `References: ${Array.from({ length: 500 }, (_, k) => `<old-${k}-${'x'.repeat(12)}@example.test>`).join(' ')}`], 'This thread is very long.'),
      expect: { outcome: 'stored', subject: 'Long thread', bodyIncludes: ['This thread is very long.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'headers: 5000 recipients in To',
      shows: 'one ticket; the recipients kept, acknowledgment only to the sender',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK},\n ${Array.from({ length: 5000 }, (_, k) => `user${k}@example.test`).join(',\n ')}`, 'Subject: Mass mail', `Message-ID: <torture-${i}@example.test>`], 'Hello everyone.'),
      expect: { outcome: 'stored', subject: 'Mass mail', minTo: 5000, bodyIncludes: ['Hello everyone.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'headers: a line without a colon in the middle',
      shows: 'sender, subject and text as if the bad line were not there',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, 'This line has no colon at all', 'Subject: Header soup', `Message-ID: <torture-${i}@example.test>`], 'The header above is broken.'),
      expect: { outcome: 'stored', subject: 'Header soup', fromAddress: `customer${i}@example.test`, bodyIncludes: ['The header above is broken.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'headers: mbox "From " envelope line first',
      shows: 'an ordinary ticket',
      build: () => message([`From customer${i}@example.test Tue Mar  4 10:15:00 2025`, ...std(i, 'From mbox')], 'Saved from a mailbox file.'),
      expect: { outcome: 'stored', subject: 'From mbox', fromAddress: `customer${i}@example.test`, bodyIncludes: ['Saved from a mailbox file.'] },
    });
  }

  // --- Bodies --------------------------------------------------------------------------------
  {
    const i = n();
    add({
      name: 'body: HTML only, with <style> and <script>',
      shows: 'the words of the mail, no CSS, no script',
      build: () =>
        message(
          [...std(i, 'HTML only'), 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8'],
          '<html><head><style>body { font-family: Comic Sans; color: #f00 }</style><script>alert("pwned")</script></head><body><p>Please reset my password.</p><script>document.cookie</script><p>Thanks, Eve</p></body></html>',
        ),
      expect: { outcome: 'stored', subject: 'HTML only', bodyIncludes: ['Please reset my password.', 'Thanks, Eve'], bodyExcludes: ['alert(', 'font-family', 'document.cookie', '<p>', '<script'] },
    });
  }
  {
    const i = n();
    add({
      name: 'body: empty',
      shows: 'a ticket with the subject and no text',
      build: () => message(std(i, 'Subject says it all'), ''),
      expect: { outcome: 'stored', subject: 'Subject says it all', bodyEquals: '', emptyBodyOk: true },
    });
  }
  {
    const i = n();
    add({
      name: 'body: only quoted text',
      shows: 'the quoted text (better than an empty message)',
      build: () => message(std(i, 'Re: your order'), '> I ordered the blue one.\n> You sent the red one.\n'),
      expect: { outcome: 'stored', subject: 'Re: your order', bodyIncludes: ['I ordered the blue one.', 'You sent the red one.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'body: 2 MB on a single line',
      shows: 'the whole line',
      build: () => message([...std(i, 'One long line'), 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], `Here is the dump: ${'{"id":12345,"status":"failed"},'.repeat(65_000)}END\n`),
      expect: { outcome: 'stored', subject: 'One long line', bodyIncludes: ['Here is the dump: {"id":12345', '"failed"},END'] },
    });
  }
  {
    const i = n();
    add({
      name: 'body: NUL bytes',
      shows: 'the text around the NULs (PostgreSQL text cannot hold NUL)',
      build: () => message([...std(i, 'NUL bytes'), 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], bytes('Before the NUL', Buffer.from([0, 0, 0]), 'after the NUL.\r\n')),
      expect: { outcome: 'stored', subject: 'NUL bytes', bodyIncludes: ['Before the NUL', 'after the NUL.'] },
    });
  }
  {
    const i = n();
    add({
      name: 'headers: NUL byte in Subject',
      shows: 'a ticket with the readable part of the subject',
      build: () => message([`From: customer${i}@example.test`, `To: ${HELPDESK}`, bytes('Subject: Nul', Buffer.from([0]), 'l subject'), `Message-ID: <torture-${i}@example.test>`], 'Subject has a NUL.'),
      expect: { outcome: 'stored', bodyIncludes: ['Subject has a NUL.'] },
    });
  }

  // --- Nothing at all ------------------------------------------------------------------------
  add({
    name: 'nothing: a mail that is just CRLF',
    shows: 'the mail in quarantine, reason: no header fields',
    build: () => Buffer.from('\r\n'),
    expect: { outcome: 'quarantined', reason: /header/i },
  });
  add({
    name: 'nothing: an empty Buffer',
    shows: 'the mail in quarantine, reason: no header fields',
    build: () => Buffer.alloc(0),
    expect: { outcome: 'quarantined', reason: /header|empty/i },
  });

  {
    const i = n();
    add({
      name: 'canary: an ordinary mail after all of the above',
      shows: 'a new ticket, as if nothing had happened before',
      build: () => message(std(i, 'Canary'), 'Still alive?\n'),
      expect: { outcome: 'stored', subject: 'Canary', fromAddress: `customer${i}@example.test`, bodyIncludes: ['Still alive?'] },
    });
  }
  return mails;
}
