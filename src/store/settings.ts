import { randomBytes } from 'node:crypto';
import type { Queryable } from './db.js';

/**
 * The secret that signs agents' reply addresses. Generated once and kept in the database, so every
 * gateway sharing the database signs and checks alike; DESKMAIL_SECRET overrides it.
 */
export async function signingSecret(q: Queryable, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await q('settings').insert({ key: 'signing_secret', value: randomBytes(32).toString('hex') }).onConflict('key').ignore();
  const row = (await q('settings').where({ key: 'signing_secret' }).first('value')) as { value: string };
  return row.value;
}

export async function blockSender(q: Queryable, email: string, reason: string): Promise<void> {
  await q('blocked_senders').insert({ email: email.toLowerCase(), reason }).onConflict('email').ignore();
}
