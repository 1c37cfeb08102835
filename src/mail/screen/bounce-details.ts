import { messageIdsIn, type InboundMail } from '../parse.js';
import { isDaemonAddress } from './bounce.js';
import { decodeWords, parseMime, partText, splitHeaders, walkParts, type MimePart } from './mime.js';
import { readSesNotification } from './ses-notification.js';

/** One recipient a bounce reports on. */
export interface BounceRecipient {
  /** The address we mailed, lower-cased (Original-Recipient when the DSN gives it, else Final-Recipient). */
  address: string;
  /** RFC 3463 status code, e.g. "5.1.1"; from the DSN, else the first code in the recipient's diagnostic. */
  status?: string;
  /** What the remote side said: the Diagnostic-Code or the bounce text about this recipient. */
  reason?: string;
  /** RFC 3464 action: failed, delayed, delivered, relayed, expanded (SES complaints: complained). */
  action?: string;
  /** Where it was read: the DSN part, an NDR header, SES's JSON, the bounce's prose, or — least sure — the returned original's To. */
  source: 'delivery-status' | 'header' | 'vendor-json' | 'text' | 'returned-headers';
}

export interface BounceDetails {
  recipients: BounceRecipient[];
  /** Message-ID (without brackets) of the mail that bounced. */
  originalMessageId?: string;
  originalMessageIdSource?: 'returned-message' | 'returned-headers' | 'vendor-json' | 'quoted-text' | 'in-reply-to';
  /** Header fields of the returned original: lower-cased name → first value (RFC 2047 decoded). */
  originalHeaders?: Record<string, string>;
}

/**
 * Whether delivery to this recipient has finally failed, so that we stop mailing it for a while.
 * With an RFC 3464 action: "failed" (or the non-standard "expired") — the MTA gave up, whatever
 * the class of its status (4.4.7 "expired", qmail's 4.x "I'm not going to try again").
 * Without one: unless the bounce says it is still trying. Delay warnings and success notices
 * are not failures.
 */
export function isPermanentFailure(r: BounceRecipient): boolean {
  if (r.action !== undefined && ['delayed', 'delivered', 'relayed', 'expanded', 'complained'].includes(r.action)) return false;
  if (r.action === 'failed' || r.action === 'expired') return true;
  return !/\b(?:delay(?:ed)?|will (?:be )?retr(?:y|ied)|still trying|will keep trying|not yet been delivered)\b/i.test(r.reason ?? '');
}

const STATUS_CODE = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
/** In prose only failure codes count: a quoted transcript also shows the 2.x.x answers before the failure. */
const FAILURE_CODE = /\b([45])\.(\d{1,3})\.(\d{1,3})\b/;
const ADDRESS = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const RETURNED_MESSAGE_TYPES = new Set(['message/rfc822', 'message/global']);
/** Parts that hold the original's header without its body (message/partial: its first fragment). */
const RETURNED_HEADER_TYPES = new Set(['text/rfc822-headers', 'message/global-headers', 'message/rfc822-headers', 'message/partial']);

/** The address in a DSN recipient field ("rfc822; <a@b>"), lower-cased. */
function dsnAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const tail = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  const address = tail.replace(/[<>"\s]/g, '').toLowerCase();
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) ? address : undefined;
}

/** The text after a DSN type prefix ("smtp; 550 …" → "550 …"). */
function dsnText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.replace(/^\s*[\w-]+\s*;\s*/, '').trim();
  return text === '' ? undefined : text;
}

/** Per-recipient groups of an RFC 3464 delivery-status body (lenient about missing blank lines). */
export function readDeliveryStatus(text: string): BounceRecipient[] {
  const out: BounceRecipient[] = [];
  let group: Map<string, string> | undefined;
  const flush = (): void => {
    if (!group) return;
    const original = dsnAddress(group.get('original-recipient'));
    const final = dsnAddress(group.get('final-recipient'));
    const address = original ?? final ?? dsnAddress(group.get('x-actual-recipient'));
    if (address !== undefined) {
      const diagnostic = dsnText(group.get('diagnostic-code'));
      const status = STATUS_CODE.exec(group.get('status') ?? '')?.[0] ?? (diagnostic ? STATUS_CODE.exec(diagnostic)?.[0] : undefined);
      const action = group.get('action')?.trim().toLowerCase().split(/[\s(]/)[0];
      out.push({ address, ...(status ? { status } : {}), ...(diagnostic ? { reason: diagnostic } : {}), ...(action ? { action } : {}), source: 'delivery-status' });
    }
    group = undefined;
  };
  // Unfold, then read field by field; a recipient group starts at its first recipient field.
  const lines = text.replace(/\r/g, '').replace(/\n[ \t]+/g, ' ').split('\n');
  for (const line of lines) {
    const m = /^\s*([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) {
      if (line.trim() === '') flush();
      continue;
    }
    const name = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    const isRecipientField = name === 'final-recipient' || name === 'original-recipient';
    if (isRecipientField && group && (group.has(name) || (name === 'original-recipient' && group.has('final-recipient') && group.has('action')))) flush();
    if (!group) {
      if (!isRecipientField) continue; // per-message fields (Reporting-MTA, Arrival-Date …)
      group = new Map();
    }
    if (!group.has(name)) group.set(name, value);
  }
  flush();
  return out;
}

function dedupe(list: BounceRecipient[]): BounceRecipient[] {
  const byAddress = new Map<string, BounceRecipient>();
  for (const r of list) {
    const seen = byAddress.get(r.address);
    if (!seen) byAddress.set(r.address, r);
    else byAddress.set(r.address, { ...r, ...seen, status: seen.status ?? r.status, reason: seen.reason ?? r.reason, action: seen.action ?? r.action });
  }
  return [...byAddress.values()].map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as BounceRecipient);
}

/** Parts of the bounce itself, not of the message it returns. */
function* ownParts(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.parts) yield* ownParts(child);
}

/** The bounce's own readable text: its text parts, DSN parts, and multiparts whose boundary never came (as MTAs truncate them). */
function bounceBodyText(tree: MimePart): string {
  const texts: string[] = [];
  for (const part of ownParts(tree)) {
    if (part.parts.length > 0 || part.body.length === 0) continue;
    if (part.type === 'text/html') texts.push(partText(part).replace(/<(?:br|p|div|tr|li)\b[^>]*>/gi, '\n').replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&nbsp;/g, ' '));
    else if (part.type.startsWith('text/') || part.type.startsWith('multipart/') || DSN_TYPES.has(part.type)) texts.push(partText(part));
  }
  return texts.join('\n\n');
}

/** A header value as text: raw 8-bit bytes read as UTF-8 when they are UTF-8, then RFC 2047 words decoded. */
function headerText(latin1: string): string {
  let value = latin1;
  if (/[\x80-\xff]/.test(value)) {
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
    } catch {
      // not UTF-8: keep the bytes as Latin-1
    }
  }
  return decodeWords(value);
}

function firstValues(headers: Map<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of headers) if (values[0] !== undefined) out[name] = headerText(values[0]);
  return out;
}

/**
 * Where the returned copy of the original begins in a plain-text bounce: stop looking for
 * recipients there. Written without ^\s* / ^.* under the m flag, which backtrack quadratically
 * over long runs of blank or very long lines.
 */
const RETURNED_COPY_MARKERS = [
  /-{2,40}[ \t]*(?:this is a copy of the message|original message follows|below this line is a copy of the message|the header of the original message is following|returned message|undelivered message follows|original message header)/i,
  /^[ \t]*message headers follow\.?[ \t]*$/im,
  /(?:included is a copy of the message header|copy of the (?:original )?message(?: header)?(?: follows|:| below| is attached))/i,
  /^[ \t]*-{3,40}[ \t]*(?:original|returned) message\b/im,
  /^[ \t]*(?:content-type: message\/rfc822|return-path: <[^>\n]*>[ \t]*$)/im,
];

/** How much of a bounce's text is read for recipients: the report is at the top. */
const PROSE_WINDOW = 100_000;

function failureSection(text: string): string {
  let end = Math.min(text.length, PROSE_WINDOW);
  const head = text.slice(0, end);
  for (const re of RETURNED_COPY_MARKERS) {
    const m = re.exec(head);
    if (!m) continue;
    const lineStart = head.lastIndexOf('\n', m.index) + 1;
    if (lineStart > 0 && lineStart < end) end = lineStart;
  }
  return text.slice(0, end);
}

/** Lines that carry addresses which are not recipients (ids, routing, our own headers). */
const NOT_RECIPIENT_LINE = /^\s*>?\s*(?:message-id|in-reply-to|references|received|from|return-path|sender|reply-to|x-[\w-]+|reporting-mta|received-from-mta|x-postfix-sender|arrival-date|dkim-signature|authentication-results|mail from|smtp\.mailfrom)\s*[:=]/i;
/** Continuation lines of a quoted Received: header ("    for <a@b>; date"). */
const RECEIVED_CONTINUATION = /^\s+(?:by|for|from|with|id|\(envelope-from)\s/i;

/** Lines where an address can only be the failed recipient, whoever it is (even postmaster@, even ourselves). */
const RECIPIENT_POSITION: RegExp[] = [
  /^\s*<?[^\s<>@]+@[^\s<>@]+>?\s*:?\s*$/, // an address alone on its line (Sendmail, Exim, Gmail)
  /^\s*<?[^<>\s@]+@[^<>\s@]+>?\s*:/, // "<a@b>: reason" (qmail, Postfix, OpenSMTPD)
  /^\s*(?:recipient address|original-recipient|final-recipient|failed recipient|rcpt to|could not be delivered to)\s*:/i,
  /\berror delivering your (?:mail|message) to\b/i,
];

/**
 * Recipients named in a bounce's prose, the way MTAs write them: "<a@b>: reason" (Postfix,
 * qmail), an indented address followed by its reason (Exim, Sendmail, Gmail), "RCPT TO: a@b",
 * "Recipient address: a@b", "Could not be delivered to: <a@b>". Addresses of the bounce's
 * own sender and recipient, of mail systems and of the original's sender are left out — except
 * where the line leaves no doubt (a mail sent to oneself can bounce too).
 */
function recipientsInText(text: string, exclude: Set<string>): BounceRecipient[] {
  const section = failureSection(text);
  const lines = section.replace(/\r/g, '').split('\n');
  const out: BounceRecipient[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('@') || line.length > 1000 || NOT_RECIPIENT_LINE.test(line) || RECEIVED_CONTINUATION.test(line)) continue;
    const certain = RECIPIENT_POSITION.some((re) => re.test(line));
    if (!certain && /https?:\/\//i.test(line) && !/[<(]\s*[^\s<>@]+@[^\s<>]+\s*[>)]/.test(line)) continue;
    for (const m of line.matchAll(ADDRESS)) {
      const address = m[0].replace(/^[.'`]+|[.'`]+$/g, '').toLowerCase();
      if (!certain && (isDaemonAddress(address) || exclude.has(address))) continue;
      // Message-IDs look like addresses; skip one written in angle brackets right after "id".
      if (/\bid\s*<?$/i.test(line.slice(0, m.index))) continue;
      // The address's story: its own line and the indented lines that follow it.
      let story = line.slice(m.index + m[0].length);
      for (let j = i + 1; j < Math.min(lines.length, i + 6); j++) {
        const next = lines[j]!;
        if (next.trim() === '' || (!/^\s/.test(next) && !/^\s*\(?(?:reason|diagnostic|remote|smtp|host)/i.test(next) && !FAILURE_CODE.test(next) && !/^\s*[45]\d\d[\s-]/.test(next))) break;
        if (next.match(ADDRESS)?.some((a) => a.toLowerCase() !== address && !exclude.has(a.toLowerCase()))) break;
        story += ` ${next.trim()}`;
      }
      const reason = story.replace(/^[\s>:,;.)"'\]]+/, '').replace(/\s+/g, ' ').trim();
      const status = FAILURE_CODE.exec(reason)?.[0];
      out.push({ address, ...(status ? { status } : {}), ...(reason.length > 3 ? { reason: reason.slice(0, 500) } : {}), source: 'text' });
    }
  }
  // One failure and one explanation: Gmail and others give the SMTP answer in a paragraph of its own.
  const found = dedupe(out);
  if (found.length === 1 && found[0]!.status === undefined) {
    const paragraph = section.split(/\r?\n\s*\r?\n/).find((p) => FAILURE_CODE.test(p) && /\b[45]\d\d\b/.test(p));
    if (paragraph) {
      const only = found[0]!;
      const flat = paragraph.replace(/\s+/g, ' ').trim();
      return [{ ...only, status: FAILURE_CODE.exec(flat)![0], reason: only.reason ?? flat.slice(0, 500) }];
    }
  }
  return found;
}

/**
 * A DSN's Status is the reporting MTA's summary ("5.0.0", "5.1.1", "4.4.7 expired") while its
 * Diagnostic-Code quotes what the remote server said ("550 5.7.1 …"); of the same class, the
 * remote's code says more about why (it is what sisimai reports too).
 */
function preciseStatus(status: string | undefined, reason: string | undefined): string | undefined {
  const quoted = reason ? (/\b[245]\d\d[ -]+['"]?([245]\.\d{1,3}\.\d{1,3})\b/.exec(reason)?.[1] ?? STATUS_CODE.exec(reason)?.[0]) : undefined;
  if (status === undefined) return quoted;
  if (quoted && quoted[0] === status[0] && !/\.0\.0$/.test(quoted)) return quoted;
  return status;
}

/**
 * The header block around the last quoted "Message-ID:" line of a text bounce ("> " quotes and
 * indentation removed): the original's headers follow the bounce's own, so the last one counts.
 */
function quotedHeaderBlock(text: string, ownId: string): { id: string; headers: Map<string, string[]> } | undefined {
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.replace(/^(?:[ \t]*>)+ ?/, '').replace(/^[ \t]{1,8}(?=[A-Za-z-]+:)/, ''));
  let at = -1;
  let id: string | undefined;
  for (let i = lines.length - 1; i >= 0 && at === -1; i--) {
    if (!/^message-id[ \t]*:/i.test(lines[i]!)) continue;
    const candidate = messageIdsIn(lines[i]!.slice(lines[i]!.indexOf(':') + 1))[0] ?? messageIdsIn(lines[i + 1] ?? '')[0];
    if (candidate && candidate !== ownId) {
      at = i;
      id = candidate;
    }
  }
  if (at === -1 || id === undefined) return undefined;
  const isHeaderish = (l: string): boolean => /^[!-9;-~]+[ \t]*:/.test(l) || /^[ \t]+\S/.test(l);
  let start = at;
  while (start > 0 && isHeaderish(lines[start - 1]!)) start--;
  let end = at + 1;
  while (end < lines.length && isHeaderish(lines[end]!)) end++;
  return { id, headers: splitHeaders(lines.slice(start, end).join('\n')).headers };
}

/**
 * What a bounce says about the mail that failed: the recipients it reports on (with status,
 * reason and action) and the Message-ID and header of the original, for linking the bounce to
 * the ticket whose notification failed. Pure; works on any input, returns what it can find.
 *
 * Sources, most reliable first: the RFC 3464 message/delivery-status part; Amazon SES's JSON;
 * X-Failed-Recipients-style headers; DSN fields quoted in the text; the bounce's prose; and last
 * the To of the returned original. The original is read from an attached message/rfc822 or
 * text/rfc822-headers part, SES's JSON, a quoted header block with a Message-ID, or the bounce's
 * In-Reply-To.
 */
export function bounceDetails(mail: InboundMail, raw: Buffer): BounceDetails {
  const tree = parseMime(raw);
  const text = bounceBodyText(tree) || mail.text;

  // The original message.
  let originalHeaders: Map<string, string[]> | undefined;
  let source: BounceDetails['originalMessageIdSource'];
  for (const part of walkParts(tree)) {
    if (RETURNED_MESSAGE_TYPES.has(part.type) && part.message && part.message.headers.size > 0) {
      originalHeaders = part.message.headers;
      source = 'returned-message';
      break;
    }
    if (part !== tree && part.headers.has('message-id') && (part.headers.has('from') || part.headers.has('received'))) {
      // An original pasted in as a MIME part of its own, without a message/rfc822 wrapper.
      originalHeaders = part.headers;
      source = 'returned-message';
      break;
    }
    if (RETURNED_HEADER_TYPES.has(part.type)) {
      const { headers } = splitHeaders(part.body.toString('latin1').replace(/^(?:[ \t]*\r?\n)+/, ''));
      if (headers.size > 0) {
        originalHeaders = headers;
        source = 'returned-headers';
        break;
      }
    }
  }
  const ses = /notificationType|eventType/.test(text) ? readSesNotification(text) : undefined;
  let originalRecord = originalHeaders ? firstValues(originalHeaders) : undefined;
  if (!originalRecord && ses && Object.keys(ses.originalHeaders).length > 0) {
    originalRecord = ses.originalHeaders;
    source = 'vendor-json';
  }
  // A returned copy that carries the bounce's own Message-ID tells us nothing about the original.
  let originalMessageId = originalRecord?.['message-id'] ? messageIdsIn(originalRecord['message-id']).find((id) => id !== mail.messageId) : undefined;
  if (!originalMessageId) {
    const quoted = quotedHeaderBlock(text.slice(0, 10 * PROSE_WINDOW), mail.messageId);
    if (quoted) {
      originalMessageId = quoted.id;
      source = 'quoted-text';
      if (!originalRecord) originalRecord = firstValues(quoted.headers);
    }
  }
  if (!originalMessageId && mail.inReplyTo && mail.inReplyTo !== mail.messageId) {
    originalMessageId = mail.inReplyTo;
    source = 'in-reply-to';
  }

  // Addresses that are not the failed recipient: the bounce's own parties and the original's sender.
  const exclude = new Set<string>([...(mail.from ? [mail.from.address] : []), ...mail.to.map((m) => m.address), ...mail.cc.map((m) => m.address)]);
  for (const name of ['from', 'sender', 'return-path', 'reply-to']) {
    for (const a of (originalRecord?.[name] ?? '').match(ADDRESS) ?? []) exclude.add(a.toLowerCase());
  }
  for (const id of [mail.messageId, originalMessageId]) if (id) exclude.add(id.toLowerCase());

  // The recipients, from the most reliable source that names any.
  let recipients: BounceRecipient[] = [];
  for (const part of ownParts(tree)) {
    if (DSN_TYPES.has(part.type)) recipients.push(...readDeliveryStatus(partText(part)));
  }
  if (recipients.length === 0 && ses) recipients = ses.recipients.map((r) => ({ ...r, source: 'vendor-json' as const }));
  if (recipients.length === 0) {
    for (const name of ['x-failed-recipients', 'x-mailer-daemon-recipients', 'x-bounced-address']) {
      for (const value of mail.headers.get(name) ?? []) {
        for (const a of value.match(ADDRESS) ?? []) recipients.push({ address: a.toLowerCase(), source: 'header' });
      }
    }
  }
  if (recipients.length === 0) recipients = readDeliveryStatus(text.slice(0, PROSE_WINDOW).replace(/^(?:[ \t]*>)+ ?/gm, ''));
  if (recipients.length === 0) recipients = recipientsInText(text, exclude);
  if (recipients.length === 0 && originalRecord) {
    for (const name of ['to', 'cc']) {
      for (const a of (originalRecord[name] ?? '').match(ADDRESS) ?? []) {
        if (!exclude.has(a.toLowerCase())) recipients.push({ address: a.toLowerCase(), source: 'returned-headers' });
      }
    }
  }
  // Fill in a status or reason the chosen source lacks from what the prose says about the same address.
  if (recipients.some((r) => r.status === undefined || r.reason === undefined)) {
    const prose = new Map(recipientsInText(text, exclude).map((r) => [r.address, r]));
    recipients = recipients.map((r) => {
      const p = prose.get(r.address);
      return p ? { ...r, status: r.status ?? p.status, reason: r.reason ?? p.reason } : r;
    });
  }

  recipients = recipients.map((r) => {
    const status = preciseStatus(r.status, r.reason);
    return status ? { ...r, status } : r;
  });

  return {
    recipients: dedupe(recipients),
    ...(originalMessageId ? { originalMessageId, originalMessageIdSource: source } : {}),
    ...(originalRecord ? { originalHeaders: originalRecord } : {}),
  };
}
