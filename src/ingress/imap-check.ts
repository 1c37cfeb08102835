import { ImapFlow } from 'imapflow';
import type { ImapSettings } from '../config.js';
import { imapConnection } from './imap.js';

export interface CheckResult {
  ok: boolean;
  detail: string;
}

const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'];

/** One line for an IMAP failure: which step, and what the user should look at. */
export function describeImapFailure(settings: ImapSettings, err: unknown): string {
  const e = err as { code?: string; authenticationFailed?: boolean; responseText?: string; message?: string };
  const where = `${settings.host}:${settings.port}`;
  if (e.authenticationFailed) return `login refused for ${settings.user} at ${where}: wrong user name or password${e.responseText ? ` (server: ${e.responseText})` : ''}`;
  if (e.code && UNREACHABLE.includes(e.code)) return `cannot reach ${where} (${e.code}): host unreachable or nothing listening on that port`;
  if (e.code === 'CERT_HAS_EXPIRED' || /certificate|TLS|SSL/i.test(e.message ?? '')) return `TLS failed with ${where}: ${e.message ?? e.code ?? 'unknown'}${settings.secure ? '' : ' (is this an imaps:// port?)'}`;
  return `${where}: ${(e.message ?? String(err)).split('\n')[0]}${e.code ? ` (${e.code})` : ''}`;
}

/** Connects, logs in, finds the mailbox and looks for IDLE — without touching any message. */
export async function checkImap(settings: ImapSettings): Promise<CheckResult> {
  const client = new ImapFlow(imapConnection(settings, 10_000));
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    return { ok: false, detail: describeImapFailure(settings, err) };
  }
  try {
    const folders = await client.list();
    const wanted = settings.mailbox.toUpperCase() === 'INBOX' ? 'INBOX' : settings.mailbox;
    const found = folders.some((f) => (wanted === 'INBOX' ? f.path.toUpperCase() === 'INBOX' : f.path === wanted));
    if (!found) return { ok: false, detail: `logged in as ${settings.user}, but mailbox "${settings.mailbox}" does not exist (folders: ${folders.map((f) => f.path).slice(0, 10).join(', ') || 'none'})` };
    const idle = client.capabilities.has('IDLE');
    return { ok: true, detail: `${settings.user} at ${settings.host}:${settings.port}, mailbox ${settings.mailbox} exists, ${idle ? 'IDLE supported' : `no IDLE: polling every POLL_INTERVAL seconds`}` };
  } catch (err) {
    return { ok: false, detail: describeImapFailure(settings, err) };
  } finally {
    await client.logout().catch(() => client.close());
  }
}
