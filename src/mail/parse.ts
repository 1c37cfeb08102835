import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { MailParser, type AddressObject, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from 'mailparser';
import { hashWhile, type AttachmentStore } from './attachments.js';
import { addressFromRawHeader, fixMojibake, isValidAddress, normalizeBareCr, plausibleDate, rawBodyText, repairHeaderText, stripNul } from './repair.js';
import { bareCrToCrlf, isSpooled, rawHead, rawStream, type RawMail } from './raw-mail.js';

/** One address as the rest of deskmail sees it: lower-cased address, optional display name. */
export interface Mailbox {
  address: string;
  name: string | undefined;
}

/** What the pipeline needs from a mail: plain values, no parser objects beyond this module. */
export interface InboundMail {
  /** The Message-ID without angle brackets; synthesised from a hash of the raw source when missing. */
  messageId: string;
  hasOwnMessageId: boolean;
  from: Mailbox | undefined;
  replyTo: Mailbox | undefined;
  to: Mailbox[];
  cc: Mailbox[];
  /** Envelope-ish recipients: To, Cc, Delivered-To, X-Original-To (for plus addresses). */
  recipients: string[];
  subject: string;
  text: string;
  html: string | undefined;
  inReplyTo: string | undefined;
  references: string[];
  date: Date | undefined;
  /** Lower-cased header name → raw values (each header line, unfolded). */
  headers: Map<string, string[]>;
  contentType: string;
  attachments: { filename: string | undefined; contentType: string; size: number; sha256: string; stored: boolean }[];
}

export interface ParseOptions {
  /** Where attachments are streamed to; without it they are only hashed and measured. */
  attachments?: AttachmentStore;
}

export class UnparseableMailError extends Error {}

function mailboxes(value: AddressObject | AddressObject[] | undefined): Mailbox[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: Mailbox[] = [];
  const visit = (entries: AddressObject['value']): void => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address && isValidAddress(entry.address.trim().toLowerCase())) {
        out.push({ address: entry.address.trim().toLowerCase(), name: stripNul(entry.name?.trim() ?? '') || undefined });
      }
    }
  };
  for (const item of list) visit(item.value);
  return out;
}

/** Message-IDs in a header value, without angle brackets, in order. */
export function messageIdsIn(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(' ') : value;
  // Some ids carry spaces inside the brackets; keep them whole (spaces dropped) so two ids stay two.
  const ids = [...joined.matchAll(/<([^<>]+)>/g)].map((m) => m[1]!.replace(/\s+/g, '')).filter((id) => id !== '');
  if (ids.length > 0) return ids;
  // Some clients omit the brackets.
  return joined.split(/\s+/).filter((s) => s.includes('@'));
}

function headerLines(lines: HeaderLines): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of lines) {
    if (line.key === '') continue; // mailparser reports an empty input as one nameless header
    const value = line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    const list = map.get(line.key) ?? [];
    list.push(value);
    map.set(line.key, list);
  }
  return map;
}

function readableDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(ms) ? undefined : plausibleDate(new Date(ms));
}

export function syntheticMessageId(raw: RawMail): string {
  const sha256 = isSpooled(raw) ? raw.sha256 : createHash('sha256').update(raw).digest('hex');
  return `${sha256.slice(0, 40)}@deskmail.invalid`;
}

/** What the parser reads: a small mail's Buffer, or a spooled mail as a stream (repaired on the fly if it must be). */
function parserInput(original: RawMail): Buffer | Readable {
  if (!isSpooled(original)) return normalizeBareCr(original);
  const head = rawHead(original, 8192);
  const source = rawStream(original);
  if (!head.includes(0x0d) || head.includes(0x0a)) return source;
  const repaired = bareCrToCrlf();
  source.once('error', (err) => repaired.destroy(err));
  return source.pipe(repaired);
}

interface StreamedMail {
  headers: Headers;
  headerLines: HeaderLines;
  text: string | undefined;
  html: string | false | undefined;
  attachments: InboundMail['attachments'];
}

/** Null sink for attachments we only measure. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}

/**
 * mailparser's streaming parser: text parts come as values, attachments as streams that go straight
 * to the attachment store (simpleParser would buffer every attachment and inline images in the HTML).
 */
function streamParse(input: Buffer | Readable, opts: ParseOptions): Promise<StreamedMail> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 5 * 1024 * 1024 });
    const mail: StreamedMail = { headers: new Map(), headerLines: [], text: undefined, html: undefined, attachments: [] };
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      parser.destroy();
      reject(err);
    };
    const pending: Promise<void>[] = [];
    parser.on('error', fail);
    parser.on('headers', (headers: Headers) => {
      mail.headers = headers;
      mail.headerLines = parser.headerLines || [];
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        mail.text = data.text;
        mail.html = data.html;
        return;
      }
      const attachment = data;
      const saving = (opts.attachments ? opts.attachments.save(attachment.content) : hashWhile(attachment.content, discard())).then(
        (stored) => {
          mail.attachments.push({ filename: attachment.filename, contentType: attachment.contentType, size: stored.size, sha256: stored.sha256, stored: opts.attachments !== undefined });
          attachment.release?.();
        },
        (err: Error) => fail(err),
      );
      pending.push(saving);
    });
    parser.on('end', () => {
      void Promise.all(pending).then(() => {
        if (settled) return;
        settled = true;
        resolve(mail);
      });
    });
    if (Buffer.isBuffer(input)) parser.end(input);
    else input.once('error', fail).pipe(parser);
  });
}

function addressHeader(headers: Headers, key: string): AddressObject | AddressObject[] | undefined {
  return headers.get(key) as AddressObject | AddressObject[] | undefined;
}

/** As much of a spooled mail as rawBodyText looks at (its 1 MiB limit and a header's worth). */
const RAW_TEXT_HEAD = 1024 * 1024 + 65536;

/** Parse raw RFC 5322 source. Throws UnparseableMailError when there is nothing usable. */
export async function parseMail(original: RawMail, opts: ParseOptions = {}): Promise<InboundMail> {
  let parsed: StreamedMail;
  const input = parserInput(original);
  try {
    parsed = await streamParse(input, opts);
  } catch (err) {
    throw new UnparseableMailError(`MIME parse failed: ${(err as Error).message}`);
  }
  const headers = headerLines(parsed.headerLines);
  if (headers.size === 0) throw new UnparseableMailError('no header fields found');

  const ownId = messageIdsIn(parsed.headers.get('message-id') as string | undefined)[0];
  const recipients = new Set<string>();
  const to = mailboxes(addressHeader(parsed.headers, 'to'));
  const cc = mailboxes(addressHeader(parsed.headers, 'cc'));
  for (const m of [...to, ...cc]) recipients.add(m.address);
  for (const key of ['delivered-to', 'x-original-to', 'envelope-to']) {
    for (const v of headers.get(key) ?? []) {
      const addr = v.replace(/[<>]/g, '').trim().toLowerCase();
      if (addr.includes('@')) recipients.add(addr);
    }
  }
  const rawSubject = parsed.headers.get('subject');
  const subject = stripNul(repairHeaderText(typeof rawSubject === 'string' ? rawSubject : '', headers.get('subject')?.[0]));
  const contentType = parsed.headers.get('content-type') as { value?: string } | undefined;
  let from = mailboxes(addressHeader(parsed.headers, 'from'))[0];
  if (!from) {
    // An unbalanced quote or stray bracket defeats the structured parse; the <addr> is usually still there.
    const address = addressFromRawHeader(headers.get('from')?.[0]);
    if (address) from = { address, name: undefined };
  }
  if (from?.name?.includes('\uFFFD')) {
    // The repaired raw value is the whole "Name <addr>": keep the display name part.
    const repaired = repairHeaderText(from.name, headers.get('from')?.[0]);
    from = { ...from, name: repaired.replace(/<[^<>]*>\s*$/, '').trim().replace(/^"(.*)"$/, '$1').trim() || undefined };
  }
  const hasContent = (parsed.text ?? '').trim() !== '' || typeof parsed.html === 'string' || parsed.attachments.length > 0;
  const text = stripNul(fixMojibake(hasContent ? (parsed.text ?? '') : rawBodyText(Buffer.isBuffer(input) ? input : rawHead(original, RAW_TEXT_HEAD))));
  return {
    messageId: ownId ?? syntheticMessageId(original),
    hasOwnMessageId: ownId !== undefined,
    from,
    replyTo: mailboxes(addressHeader(parsed.headers, 'reply-to'))[0],
    to,
    cc,
    recipients: [...recipients],
    subject: subject.replace(/\s+/g, ' ').trim(),
    text,
    html: typeof parsed.html === 'string' ? stripNul(parsed.html) : undefined,
    inReplyTo: messageIdsIn(parsed.headers.get('in-reply-to') as string | undefined)[0],
    references: messageIdsIn(parsed.headers.get('references') as string | string[] | undefined),
    // mailparser replaces an unreadable Date with "now"; a broken header must stay unknown instead.
    date: readableDate(headers.get('date')?.[0]),
    headers,
    contentType: String(contentType?.value ?? 'text/plain').toLowerCase(),
    attachments: parsed.attachments,
  };
}

/** First value of a header, or undefined. */
export function header(mail: InboundMail, name: string): string | undefined {
  return mail.headers.get(name.toLowerCase())?.[0];
}
