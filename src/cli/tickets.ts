import type { AppContext } from '../context.js';
import { STATUSES } from '../ticket/machine.js';
import { DeskmailError } from '../errors.js';
import type { Decision } from '../mail/decision.js';
import type { Db } from '../store/db.js';
import { listEvents } from '../store/events.js';
import { listBugs } from '../store/bugs.js';
import { listAttachments, listMessages } from '../store/messages.js';
import { findTicketByRef, listParticipants, listTickets, type TicketRow } from '../store/tickets.js';
import type { TicketSummary } from '../ticket/summary.js';


/** The contract's shape of `tickets show --json`. */
export interface TicketView extends TicketSummary {
  requester: string;
  createdAt: string;
  updatedAt: string;
  participants: { email: string; name: string | null; role: string }[];
  messages: {
    direction: string;
    from: string;
    to: string[];
    subject: string;
    body: string;
    at: string;
    messageId: string;
    suspicious: boolean;
    attachments: { filename: string | null; contentType: string; size: number; sha256: string }[];
    decisions: Decision[];
  }[];
  events: { type: string; actor: string; at: string; data: Record<string, unknown> }[];
  /** Bugs filed in or linked to the development tracker (key null until the tracker names it). */
  bugs: { key: string | null; tracker: string; status: string; summary: string }[];
}

async function assigneeEmail(db: Db, t: TicketRow): Promise<string | null> {
  if (t.assignee_id === null) return null;
  const row = (await db('agents').where({ id: t.assignee_id }).first('email')) as { email: string } | undefined;
  return row?.email ?? null;
}

export async function ticketView(db: Db, ref: string): Promise<TicketView> {
  const t = await findTicketByRef(db, ref);
  if (!t) throw new DeskmailError('NOT_FOUND', `no ticket ${ref}`);
  const [messages, events, participants] = await Promise.all([listMessages(db, t.id), listEvents(db, t.id), listParticipants(db, t.id)]);
  const attachments = new Map<number, TicketView['messages'][number]['attachments']>();
  for (const m of messages) {
    const rows = await listAttachments(db, m.id);
    attachments.set(m.id, rows.map((a) => ({ filename: a.filename, contentType: a.content_type, size: Number(a.size), sha256: a.sha256 })));
  }
  return {
    ref: t.ref,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    category: t.category,
    tags: t.tags,
    requester: t.requester_email,
    assignee: await assigneeEmail(db, t),
    createdAt: new Date(t.created_at).toISOString(),
    updatedAt: new Date(t.updated_at).toISOString(),
    participants,
    messages: messages.map((m) => ({
      direction: m.direction,
      from: m.from_address,
      to: m.to_addresses,
      subject: m.subject,
      body: m.body,
      at: new Date(m.created_at).toISOString(),
      messageId: m.message_id,
      suspicious: m.suspicious,
      attachments: attachments.get(m.id) ?? [],
      decisions: m.decisions,
    })),
    events: events.map((e) => ({ type: e.type, actor: e.actor, at: new Date(e.at).toISOString(), data: e.data })),
    bugs: (await listBugs(db, t.id)).map((b) => ({ key: b.key, tracker: b.tracker, status: b.status, summary: b.summary })),
  };
}

export async function ticketsList(ctx: AppContext, opts: { status?: string; json?: boolean }): Promise<string> {
  if (opts.status && !(STATUSES as readonly string[]).includes(opts.status)) {
    throw new DeskmailError('USAGE', `unknown status "${opts.status}"; one of: ${STATUSES.join(', ')}`);
  }
  const rows = await listTickets(ctx.db, { status: opts.status });
  const list = rows.map((t) => ({
    ref: t.ref,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    category: t.category,
    requester: t.requester_email,
    assignee: t.assignee_email,
    createdAt: new Date(t.created_at).toISOString(),
    updatedAt: new Date(t.updated_at).toISOString(),
  }));
  if (opts.json) return JSON.stringify(list, null, 2);
  if (list.length === 0) return 'no tickets';
  return list
    .map((t) => `${t.ref.padEnd(8)} ${t.status.padEnd(19)} ${t.priority}  ${(t.assignee ?? '-').padEnd(24)} ${t.requester.padEnd(28)} ${t.subject}`)
    .join('\n');
}

export async function ticketsShow(ctx: AppContext, ref: string, opts: { json?: boolean }): Promise<string> {
  const v = await ticketView(ctx.db, ref);
  if (opts.json) return JSON.stringify(v, null, 2);
  const lines = [
    `${v.ref}  ${v.subject}`,
    `status ${v.status} · priority ${v.priority} · category ${v.category ?? '-'} · tags ${v.tags.join(', ') || '-'}`,
    `requester ${v.requester} · assignee ${v.assignee ?? '-'} · opened ${v.createdAt}`,
    '',
    'Messages:',
  ];
  for (const m of v.messages) {
    lines.push(`  [${m.at}] ${m.direction.toUpperCase()} from ${m.from} to ${m.to.join(', ')}${m.suspicious ? '  ⚠ SUSPICIOUS: not authenticated as who it claims to be (see the decision record)' : ''}`, `    ${m.subject}`);
    for (const l of m.body.split('\n').slice(0, 20)) lines.push(`    | ${l}`);
    for (const a of m.attachments) lines.push(`    📎 ${a.filename ?? '(unnamed)'} (${a.contentType}, ${a.size} bytes, sha256 ${a.sha256.slice(0, 12)}…)`);
    for (const d of m.decisions) lines.push(`    · ${d.stage}: ${d.verdict} — ${d.reason}`);
  }
  if (v.bugs.length > 0) {
    lines.push('', 'Bugs:');
    for (const b of v.bugs) lines.push(`  ${(b.key ?? '(key not yet known)').padEnd(18)} ${b.tracker.padEnd(12)} ${b.status.padEnd(7)} ${b.summary}`);
  }
  lines.push('', 'History:');
  for (const e of v.events) lines.push(`  [${e.at}] ${e.type} by ${e.actor}${Object.keys(e.data).length ? ` ${JSON.stringify(e.data)}` : ''}`);
  return lines.join('\n');
}
