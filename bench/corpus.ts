/**
 * The benchmark's backlog: deterministic mixed mail (new requests and replies by In-Reply-To,
 * 2–10 KB, about one in eight with a small attachment). Replies always follow their request,
 * so appended in order every reply threads onto an existing ticket.
 */
import { randomBytes } from 'node:crypto';
import { base64Lines } from '../test/support/torture-mails.js';

export interface BenchMail {
  raw: Buffer;
  messageId: string;
  /** True for a new request: it opens a ticket and gets exactly one acknowledgment. */
  isNew: boolean;
  customer: string;
}

/** mulberry32: a tiny seeded PRNG, so two runs with the same seed append the same backlog. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Bland words: the shipped triage rules should not escalate, prioritise or flag these as spam.
const WORDS = ['the', 'report', 'from', 'our', 'office', 'about', 'monthly', 'figures', 'shows', 'a', 'difference', 'between', 'two', 'teams', 'and', 'we', 'would', 'like', 'to', 'understand', 'where', 'it', 'comes', 'from', 'thank', 'you', 'kindly', 'for', 'looking', 'into', 'this', 'matter', 'today', 'colleague', 'mentioned', 'spreadsheet', 'column', 'totals', 'weekly', 'meeting', 'notes'];

function paragraph(rand: () => number, bytes: number): string {
  const lines: string[] = [];
  let line: string[] = [];
  let size = 0;
  while (size < bytes) {
    const w = WORDS[Math.floor(rand() * WORDS.length)]!;
    line.push(w);
    size += w.length + 1;
    if (line.join(' ').length > 68) {
      lines.push(line.join(' '));
      line = [];
    }
  }
  if (line.length) lines.push(line.join(' '));
  return lines.join('\r\n');
}

/** One RFC 5322 message, CRLF line ends, text or multipart/mixed with one attachment. */
export function composeMail(m: { from: string; to: string; subject: string; messageId: string; inReplyTo?: string; text: string; attachment?: { name: string; type: string; data: Buffer } }): Buffer {
  const head = [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${m.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${m.messageId}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`, `References: <${m.inReplyTo}>`] : []),
    'MIME-Version: 1.0',
  ];
  if (!m.attachment) {
    return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', m.text, ''].join('\r\n'));
  }
  const boundary = `b-${m.messageId.replace(/[^a-z0-9]/gi, '')}`;
  return Buffer.concat([
    Buffer.from(
      [
        ...head,
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        m.text,
        `--${boundary}`,
        `Content-Type: ${m.attachment.type}; name="${m.attachment.name}"`,
        `Content-Disposition: attachment; filename="${m.attachment.name}"`,
        'Content-Transfer-Encoding: base64',
        '',
        '',
      ].join('\r\n'),
    ),
    Buffer.from(base64Lines(m.attachment.data)),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

/**
 * `count` messages to `helpdesk`. About 70 % open a ticket; the rest reply to one of the recent
 * requests. Customers are reused for at most 20 requests each, below the outgoing brakes' cap of
 * 30 automatic mails per recipient in 10 minutes, so every request is acknowledged.
 */
export function backlog(opts: { count: number; helpdesk: string; runId: string; seed?: number; customerDomain?: string }): BenchMail[] {
  const rand = prng(opts.seed ?? 42);
  const domain = opts.customerDomain ?? 'example.test';
  const mails: BenchMail[] = [];
  const threads: { messageId: string; customer: string; subject: string }[] = [];
  for (let i = 0; i < opts.count; i++) {
    const isNew = threads.length === 0 || rand() < 0.7;
    const size = 2048 + Math.floor(rand() * 7.8 * 1024);
    const withAttachment = rand() < 0.125;
    const attachmentBytes = withAttachment ? Math.min(3000, Math.floor(size / 3)) : 0;
    const textBytes = size - 350 - Math.ceil((attachmentBytes * 4) / 3);
    const messageId = `bench-${opts.runId}-${i}@${domain}`;
    let subject: string;
    let customer: string;
    let inReplyTo: string | undefined;
    if (isNew) {
      const ticketNo = threads.length;
      customer = `bench-${opts.runId}-c${Math.floor(ticketNo / 20)}@${domain}`;
      // Distinct subjects: the duplicate detector must not link these requests to each other.
      subject = `Request ${ticketNo} ${randomBytes(4).toString('hex')} about ${WORDS[Math.floor(rand() * WORDS.length)]}`;
      threads.push({ messageId, customer, subject });
    } else {
      const recent = threads.slice(-50);
      const t = recent[Math.floor(rand() * recent.length)]!;
      customer = t.customer;
      subject = `Re: ${t.subject}`;
      inReplyTo = t.messageId;
    }
    const raw = composeMail({
      from: `Bench Customer <${customer}>`,
      to: opts.helpdesk,
      subject,
      messageId,
      inReplyTo,
      text: paragraph(rand, Math.max(200, textBytes)),
      attachment: withAttachment ? { name: `notes-${i}.bin`, type: 'application/octet-stream', data: randomBytes(attachmentBytes) } : undefined,
    });
    mails.push({ raw, messageId, isNew, customer });
  }
  return mails;
}

/** One request carrying an attachment of `bytes` random bytes (the memory phase). */
export function bigMail(opts: { bytes: number; helpdesk: string; runId: string }): BenchMail {
  const customer = `bench-${opts.runId}-big@example.test`;
  const messageId = `bench-${opts.runId}-big@example.test`;
  const raw = composeMail({
    from: customer,
    to: opts.helpdesk,
    subject: 'Here is the full export you asked for',
    messageId,
    text: 'Please find the export attached.',
    attachment: { name: 'export.bin', type: 'application/octet-stream', data: randomBytes(opts.bytes) },
  });
  return { raw, messageId, isNew: true, customer };
}
