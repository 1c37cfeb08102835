import { createHmac, randomUUID } from 'node:crypto';
import type { Queryable, Tx } from '../store/db.js';
import { setBugKey } from '../store/bugs.js';
import { addEvent } from '../store/events.js';
import { insertOutbox, type OutboxRow } from '../store/outbox.js';
import { findTracker, type Tracker, type TrackerSet } from '../tracker/config.js';

/**
 * Bug reports to a webhook tracker: an outbox row of kind 'webhook' written in the caller's
 * transaction (nothing lost while the tracker is down), delivered by the same sender as mail with
 * the same retries and backoff. Each POST is signed: X-Deskmail-Signature = "sha256=" + HMAC-SHA256
 * of "TIMESTAMP.BODY" with the tracker's secret; X-Deskmail-Delivery lets the tracker drop a repeat.
 */
export const WEBHOOK_KIND = 'webhook';

type WebhookTracker = Extract<Tracker, { kind: 'webhook' }>;

/** Where the row says it goes: origin and path only (a token in a query string stays out of logs). */
function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

export async function enqueueWebhook(tx: Tx, tracker: WebhookTracker, ticketId: number, bugId: number, payload: Record<string, unknown> & { event: string; ticket: string }, fromAddress: string): Promise<void> {
  await insertOutbox(tx, {
    ticketId,
    kind: WEBHOOK_KIND,
    messageId: `webhook.${payload.ticket}.${randomUUID()}`,
    fromAddress,
    to: [shownUrl(tracker.url)],
    subject: `${payload.event} ${payload.ticket}`,
    text: JSON.stringify(payload),
    html: undefined,
    headers: { 'X-Deskmail-Tracker': tracker.name, 'X-Deskmail-Bug': String(bugId) },
  });
}

/** "sha256=<hex>" over "TIMESTAMP.BODY": the same scheme in both directions. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A failed delivery; permanent ones (a 4xx other than 408/425/429) are not retried. */
export class WebhookError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** The value at a dotted path of a JSON answer, when it is a non-empty string or a number. */
export function valueAt(data: unknown, path: string): string | undefined {
  let node: unknown = data;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === 'number') return String(node);
  return typeof node === 'string' && node.trim() !== '' ? node.trim() : undefined;
}

/** POSTs one webhook row; on success stores the item key from the answer on the bug. Throws WebhookError. */
export async function deliverWebhook(db: Queryable, trackers: TrackerSet | undefined, row: OutboxRow, timeoutMs = 15_000): Promise<void> {
  const name = row.headers['X-Deskmail-Tracker'] ?? '';
  const tracker = findTracker(trackers, name);
  // Temporary: the config may come back (a gateway started without the trackers file).
  if (!tracker || tracker.kind !== 'webhook') throw new WebhookError(`tracker "${name}" is not configured as a webhook here`, false);
  const timestamp = String(Math.floor(Date.now() / 1000));
  let response: Response;
  try {
    response = await fetch(tracker.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'deskmail',
        'x-deskmail-signature': webhookSignature(tracker.secret, timestamp, row.text_body),
        'x-deskmail-timestamp': timestamp,
        'x-deskmail-delivery': row.message_id,
      },
      body: row.text_body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new WebhookError(`POST ${shownUrl(tracker.url)}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, false);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const permanent = response.status >= 400 && response.status < 500 && ![408, 425, 429].includes(response.status);
    throw new WebhookError(`POST ${shownUrl(tracker.url)}: HTTP ${response.status}${text ? ` ${text.slice(0, 120).replace(/\s+/g, ' ')}` : ''}`, permanent);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const key = valueAt(data, tracker.keyPath);
  const bugId = Number(row.headers['X-Deskmail-Bug']);
  if (key && Number.isInteger(bugId) && row.ticket_id !== null) {
    await db.transaction(async (tx) => {
      await setBugKey(tx, bugId, key);
      await addEvent(tx, row.ticket_id!, 'bug_key', 'system', { tracker: tracker.name, bug: bugId, key, from: 'webhook response' });
    });
  }
}
