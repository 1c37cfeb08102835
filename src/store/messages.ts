import type { Knex } from 'knex';
import type { Decision } from '../mail/decision.js';
import type { Queryable } from './db.js';

export type Direction = 'in' | 'out' | 'note';

export interface MessageRow {
  id: number;
  ticket_id: number;
  mailbox: string;
  message_id: string;
  direction: Direction;
  from_address: string;
  from_name: string | null;
  to_addresses: string[];
  cc_addresses: string[];
  subject: string;
  body: string;
  body_html: string | null;
  in_reply_to: string | null;
  references: string[];
  raw: Buffer | Uint8Array | null;
  decisions: Decision[];
  sent_at: Date | null;
  suspicious: boolean;
  created_at: Date;
}

export interface NewMessage {
  ticketId: number;
  mailbox: string;
  messageId: string;
  direction: Direction;
  fromAddress: string;
  fromName: string | undefined;
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  bodyHtml: string | undefined;
  inReplyTo: string | undefined;
  references: string[];
  raw: Buffer | undefined;
  /** When the raw source went to the file store instead of the row. */
  rawFile?: { sha256: string; size: number } | undefined;
  decisions: Decision[];
  sentAt: Date | undefined;
  /** An agent's mail that failed authentication: stored, never obeyed. */
  suspicious?: boolean;
}

/**
 * Inserts a message unless one with the same Message-ID is already stored for this mailbox.
 * Returns the new id, or undefined for a redelivery — the caller then changes nothing.
 */
export async function insertMessageOnce(q: Queryable, m: NewMessage): Promise<number | undefined> {
  const rows = await messageInsert(q, m).returning('id');
  const first = rows[0] as { id: number } | undefined;
  return first?.id;
}

/** insertMessageOnce's statement, not yet run (and without RETURNING): for writeTogether (src/store/together.ts). */
export function messageInsert(q: Queryable, m: NewMessage): Knex.QueryBuilder {
  return q('messages')
    .insert({
      ticket_id: m.ticketId,
      mailbox: m.mailbox,
      message_id: m.messageId,
      direction: m.direction,
      from_address: m.fromAddress,
      from_name: m.fromName ?? null,
      to_addresses: JSON.stringify(m.to),
      cc_addresses: JSON.stringify(m.cc),
      subject: m.subject,
      body: m.body,
      body_html: m.bodyHtml ?? null,
      in_reply_to: m.inReplyTo ?? null,
      references: JSON.stringify(m.references),
      raw: m.raw ?? null,
      raw_sha256: m.rawFile?.sha256 ?? null,
      raw_size: m.rawFile?.size ?? m.raw?.length ?? null,
      decisions: JSON.stringify(m.decisions),
      sent_at: m.sentAt ?? null,
      suspicious: m.suspicious ?? false,
    })
    .onConflict(['mailbox', 'message_id'])
    .ignore();
}

export async function messageExists(q: Queryable, mailbox: string, messageId: string): Promise<boolean> {
  return (await q('messages').where({ mailbox, message_id: messageId }).first('id')) !== undefined;
}

/** The ticket a Message-ID belongs to, trying the ids in the order given. */
export async function findTicketIdByMessageIds(q: Queryable, mailbox: string, messageIds: string[]): Promise<{ ticketId: number; messageId: string } | undefined> {
  if (messageIds.length === 0) return undefined;
  const rows = (await q('messages').where({ mailbox }).whereIn('message_id', messageIds).select('ticket_id', 'message_id')) as { ticket_id: number; message_id: string }[];
  for (const id of messageIds) {
    const hit = rows.find((r) => r.message_id === id);
    if (hit) return { ticketId: hit.ticket_id, messageId: id };
  }
  return undefined;
}

export async function listMessages(q: Queryable, ticketId: number): Promise<MessageRow[]> {
  return q<MessageRow>('messages').where({ ticket_id: ticketId }).orderBy('id');
}

export async function countMessages(q: Queryable, ticketId: number, direction: Direction): Promise<number> {
  const row = (await q('messages').where({ ticket_id: ticketId, direction }).count<{ count: string | number }[]>('id as count'))[0];
  return Number(row?.count ?? 0);
}

/** The attachment rows of a stored message; the files themselves live in the attachment store. */
export async function insertAttachments(q: Queryable, messageId: number, list: { filename: string | undefined; contentType: string; size: number; sha256: string }[]): Promise<void> {
  if (list.length === 0) return;
  await q('attachments').insert(list.map((a) => ({ message_id: messageId, filename: a.filename ?? null, content_type: a.contentType, size: a.size, sha256: a.sha256 })));
}

export async function listAttachments(q: Queryable, messageId: number): Promise<{ filename: string | null; content_type: string; size: string | number; sha256: string }[]> {
  return q('attachments').where({ message_id: messageId }).orderBy('id').select('filename', 'content_type', 'size', 'sha256');
}
