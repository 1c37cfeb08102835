import type { Queryable } from './db.js';

/**
 * Open operational alerts, one row per condition in `settings` (key `alert:<name>`), so an alert
 * goes out once per episode across restarts and gateways: whoever inserts the row sends the mail.
 */
export async function openAlert(q: Queryable, name: string, detail: string): Promise<boolean> {
  const inserted = await q('settings').insert({ key: `alert:${name}`, value: detail }).onConflict('key').ignore().returning('key');
  return inserted.length > 0;
}

/** Closes the alert; true when it was open (so the recovery is announced once). */
export async function closeAlert(q: Queryable, name: string): Promise<boolean> {
  return (await q('settings').where({ key: `alert:${name}` }).delete()) > 0;
}

export async function adminAddresses(q: Queryable): Promise<string[]> {
  const rows = (await q('agents').where({ role: 'admin', active: true }).orderBy('email').select('email')) as { email: string }[];
  return rows.map((r) => r.email);
}
