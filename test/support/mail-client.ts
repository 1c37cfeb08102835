import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { inject } from 'vitest';

/** The shared mail stack started by the global setup, seen from a test file. */
export function mailStack(): { host: string; imapPort: number; smtpPort: number; password: string; imapUrl(user: string): string; smtpUrl(): string } {
  const s = inject('mailStack');
  return {
    host: '127.0.0.1',
    ...s,
    imapUrl: (user: string) => `imap://${encodeURIComponent(user)}:${encodeURIComponent(s.password)}@127.0.0.1:${s.imapPort}/INBOX`,
    smtpUrl: () => `smtp://127.0.0.1:${s.smtpPort}`,
  };
}

/** A unique local part, so test files sharing the stack never read each other's mail. */
export function uniqueAddress(local: string, domain: string): string {
  return `${local}-${randomBytes(3).toString('hex')}@${domain}`;
}

/** Submits a raw message over real SMTP to the stack's OpenSMTPD. */
export async function sendRaw(raw: string, envelope: { from: string; to: string[] }): Promise<void> {
  const s = mailStack();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: s.smtpPort, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope, raw: raw.replace(/\r?\n/g, '\r\n') });
  } finally {
    transport.close();
  }
}

export function rawMail(h: { from: string; to: string; subject: string; messageId: string; inReplyTo?: string; references?: string[]; body: string; extraHeaders?: string[] }): string {
  const lines = [
    `From: ${h.from}`,
    `To: ${h.to}`,
    `Subject: ${h.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${h.messageId}>`,
    ...(h.inReplyTo ? [`In-Reply-To: <${h.inReplyTo}>`] : []),
    ...(h.references ? [`References: ${h.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...(h.extraHeaders ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    h.body,
    '',
  ];
  return lines.join('\n');
}

export interface FetchedMail {
  uid: number;
  seen: boolean;
  source: string;
  /** The source with quoted-printable undone (soft line breaks joined, =XX decoded), for asserting on text. */
  decoded: string;
  headers: Map<string, string>;
}

function decodeQuotedPrintable(source: string): string {
  const joined = source.replace(/=\r?\n/g, '');
  return Buffer.from(joined.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
}

function headerMap(source: string): Map<string, string> {
  const head = source.split(/\r?\n\r?\n/)[0] ?? '';
  const map = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const key = line.slice(0, i).trim().toLowerCase();
      if (!map.has(key)) map.set(key, line.slice(i + 1).trim());
    }
  }
  return map;
}

/** All messages in a user's INBOX, with their \Seen flag. */
export async function readMailbox(user: string): Promise<FetchedMail[]> {
  const s = mailStack();
  const client = new ImapFlow({ host: '127.0.0.1', port: s.imapPort, secure: false, auth: { user, pass: s.password }, logger: false });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const out: FetchedMail[] = [];
    for await (const msg of client.fetch('1:*', { uid: true, flags: true, source: true })) {
      const source = msg.source?.toString('utf8') ?? '';
      out.push({ uid: msg.uid, seen: msg.flags?.has('\\Seen') ?? false, source, decoded: decodeQuotedPrintable(source), headers: headerMap(source) });
    }
    return out;
  } catch (err) {
    if (/Mailbox doesn't exist|NONEXISTENT/i.test(String((err as Error).message))) return [];
    throw err;
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** Polls until `predicate` holds for a user's mailbox (delivery through the stack is asynchronous). */
export async function waitForMailbox(user: string, predicate: (mails: FetchedMail[]) => boolean, timeoutMs = 20_000): Promise<FetchedMail[]> {
  const deadline = Date.now() + timeoutMs;
  let last: FetchedMail[] = [];
  while (Date.now() < deadline) {
    last = await readMailbox(user);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting on ${user}'s mailbox; it holds ${last.length} message(s): ${last.map((m) => m.headers.get('subject')).join(' | ')}`);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}
