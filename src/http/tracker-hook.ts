import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Decision } from '../mail/decision.js';
import { webhookSignature } from '../outbox/webhook.js';
import { bugsByKey, recordDelivery } from '../store/bugs.js';
import { insertMessageOnce } from '../store/messages.js';
import { findTicketById, findTicketByRef, type TicketRow } from '../store/tickets.js';
import { findTracker, type Tracker } from '../tracker/config.js';
import { donePhrase, itemKeys, onTrackerNews } from '../workflow/tracker-mail.js';
import { pathOf, sendJson, type HttpHandler } from './server.js';

/**
 * POST /hooks/tracker/:ref — the tracker tells us about a bug (REF: our ticket, or its item key).
 * Signed like our outgoing webhooks: X-Deskmail-Signature = "sha256=" + HMAC-SHA256 of
 * "TIMESTAMP.BODY" with the tracker's inbound_secret; X-Deskmail-Timestamp within five minutes;
 * X-Deskmail-Delivery seen once (stored), so a replayed call is refused. Does what the tracker's
 * mail does: an internal note, the key learnt, the assignee told, "done" resumes the ticket.
 */
export const REPLAY_WINDOW_SECONDS = 300;
const MAX_BODY_BYTES = 1024 * 1024;

const payload = z.looseObject({
  key: z.string().trim().min(1).max(200).optional(),
  status: z.string().max(200).optional(),
  done: z.boolean().optional(),
  message: z.string().max(100_000).optional(),
});

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The ticket a hook names: our reference, else the oldest ticket with a bug of that key. */
async function ticketFor(ctx: AppContext, tracker: Tracker, ref: string): Promise<TicketRow | undefined> {
  const own = await findTicketByRef(ctx.db, ref);
  if (own) return own;
  const bug = (await bugsByKey(ctx.db, tracker.name, ref))[0];
  return bug ? findTicketById(ctx.db, bug.ticket_id) : undefined;
}

export function trackerHook(ctx: AppContext): HttpHandler {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const m = /^\/hooks\/tracker\/([^/]+)$/.exec(pathOf(req));
    if (!m) return false;
    const refuse = (status: number, error: string): true => {
      ctx.log.warn({ path: pathOf(req), status }, `tracker hook refused: ${error}`);
      sendJson(res, status, { error });
      return true;
    };
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return refuse(405, 'use POST');
    }
    const trackers = ctx.config.trackers;
    const wanted = new URL(req.url ?? '/', 'http://localhost').searchParams.get('tracker');
    const tracker = wanted ? findTracker(trackers, wanted) : trackers?.default;
    if (!tracker?.inboundSecret) return refuse(404, wanted ? `no tracker "${wanted}" with an inbound_secret` : 'no tracker hook configured (inbound_secret in the trackers file)');
    const body = await readBody(req);
    if (body === undefined) return refuse(413, `body over ${MAX_BODY_BYTES} bytes`);

    const signature = header(req, 'x-deskmail-signature');
    const timestamp = header(req, 'x-deskmail-timestamp');
    const delivery = header(req, 'x-deskmail-delivery');
    if (!signature || !timestamp || !delivery) return refuse(401, 'X-Deskmail-Signature, X-Deskmail-Timestamp and X-Deskmail-Delivery are required');
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
      return refuse(401, `X-Deskmail-Timestamp is outside the ${REPLAY_WINDOW_SECONDS}-second window`);
    }
    if (!sameSignature(signature, webhookSignature(tracker.inboundSecret, timestamp, body))) return refuse(401, 'bad signature');
    if (delivery.length > 200) return refuse(400, 'X-Deskmail-Delivery is longer than 200 characters');

    let data: z.infer<typeof payload>;
    try {
      const parsed = payload.safeParse(JSON.parse(body));
      if (!parsed.success) return refuse(400, `body: ${parsed.error.issues[0]!.path.join('.') || 'top level'}: ${parsed.error.issues[0]!.message}`);
      data = parsed.data;
    } catch {
      return refuse(400, 'body is not JSON');
    }
    const ref = decodeURIComponent(m[1]!);
    const ticket = await ticketFor(ctx, tracker, ref);
    if (!ticket) return refuse(404, `no ticket or known item ${ref}`);

    const text = [data.status ? `Status: ${data.status}` : '', data.message ?? ''].filter(Boolean).join('\n\n');
    const keys = data.key ? [data.key] : itemKeys(tracker, ref, ctx.config.ticketPrefix);
    const done = data.done ?? donePhrase(tracker, text) !== undefined;
    const outcome = await ctx.db.transaction(async (tx) => {
      if (!(await recordDelivery(tx, tracker.name, delivery))) return 'replay' as const;
      const decisions: Decision[] = [{ stage: 'hook', verdict: 'ok', reason: `signed call from tracker ${tracker.name}, delivery ${delivery}` }];
      const id = await insertMessageOnce(tx, {
        ticketId: ticket.id,
        mailbox: ctx.sender.mailbox,
        messageId: `hook.${tracker.name}.${delivery}@deskmail.invalid`,
        direction: 'note',
        fromAddress: `tracker:${tracker.name}`,
        fromName: tracker.name,
        to: [],
        cc: [],
        subject: `${tracker.name}${data.key ? ` ${data.key}` : ''}${data.status ? `: ${data.status}` : ''}`,
        body: text,
        bodyHtml: undefined,
        inReplyTo: undefined,
        references: [],
        raw: Buffer.from(body),
        decisions,
        sentAt: undefined,
      });
      await onTrackerNews(tx, ctx, ticket, { tracker, keys, done, text, via: 'webhook' }, decisions);
      if (id !== undefined) await tx('messages').where({ id }).update({ decisions: JSON.stringify(decisions) });
      return 'ok' as const;
    });
    if (outcome === 'replay') return refuse(409, `delivery ${delivery} was already received (replay refused)`);
    sendJson(res, 200, { ok: true, ticket: ticket.ref, done });
    return true;
  };
}
