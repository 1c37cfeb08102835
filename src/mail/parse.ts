import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';

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
  attachments: { filename: string | undefined; contentType: string; size: number }[];
}

export class UnparseableMailError extends Error {}

function mailboxes(value: AddressObject | AddressObject[] | undefined): Mailbox[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: Mailbox[] = [];
  const visit = (entries: AddressObject['value']): void => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address) out.push({ address: entry.address.trim().toLowerCase(), name: entry.name?.trim() || undefined });
    }
  };
  for (const item of list) visit(item.value);
  return out;
}

/** Message-IDs in a header value, without angle brackets, in order. */
export function messageIdsIn(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(' ') : value;
  const ids = [...joined.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  if (ids.length > 0) return ids;
  // Some clients omit the brackets.
  return joined.split(/\s+/).filter((s) => s.includes('@'));
}

function headerLines(parsed: ParsedMail): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of parsed.headerLines) {
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
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export function syntheticMessageId(raw: Buffer): string {
  return `${createHash('sha256').update(raw).digest('hex').slice(0, 40)}@deskmail.invalid`;
}

/** Parse raw RFC 5322 source. Throws UnparseableMailError when there is nothing usable. */
export async function parseMail(raw: Buffer): Promise<InboundMail> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 5 * 1024 * 1024 });
  } catch (err) {
    throw new UnparseableMailError(`MIME parse failed: ${(err as Error).message}`);
  }
  const headers = headerLines(parsed);
  if (headers.size === 0) throw new UnparseableMailError('no header fields found');

  const ownId = messageIdsIn(parsed.messageId)[0];
  const recipients = new Set<string>();
  const to = mailboxes(parsed.to);
  const cc = mailboxes(parsed.cc);
  for (const m of [...to, ...cc]) recipients.add(m.address);
  for (const key of ['delivered-to', 'x-original-to', 'envelope-to']) {
    for (const v of headers.get(key) ?? []) {
      const addr = v.replace(/[<>]/g, '').trim().toLowerCase();
      if (addr.includes('@')) recipients.add(addr);
    }
  }
  const references = messageIdsIn(parsed.references);
  return {
    messageId: ownId ?? syntheticMessageId(raw),
    hasOwnMessageId: ownId !== undefined,
    from: mailboxes(parsed.from)[0],
    replyTo: mailboxes(parsed.replyTo)[0],
    to,
    cc,
    recipients: [...recipients],
    subject: (parsed.subject ?? '').replace(/\s+/g, ' ').trim(),
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    inReplyTo: messageIdsIn(parsed.inReplyTo)[0],
    references,
    // mailparser replaces an unreadable Date with "now"; a broken header must stay unknown instead.
    date: readableDate(headers.get('date')?.[0]),
    headers,
    contentType: parsed.headers.get('content-type') === undefined ? 'text/plain' : String((parsed.headers.get('content-type') as { value?: string }).value ?? 'text/plain').toLowerCase(),
    attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
  };
}

/** First value of a header, or undefined. */
export function header(mail: InboundMail, name: string): string | undefined {
  return mail.headers.get(name.toLowerCase())?.[0];
}
