import type { Queryable } from './db.js';

/** Numbers for /healthz and /metrics: each one visible query. */

export async function pingDb(q: Queryable): Promise<void> {
  await q.raw('SELECT 1');
}

/** Mail waiting to be sent, and how long the oldest has waited (0 when none). */
export async function outboxBacklog(q: Queryable): Promise<{ depth: number; oldestAgeSeconds: number }> {
  const result = await q.raw<{ rows: { depth: string | number; age: string | number | null }[] }>(
    `SELECT count(*) AS depth, EXTRACT(EPOCH FROM now() - min(created_at)) AS age FROM outbox WHERE status = 'pending'`,
  );
  const row = result.rows[0];
  return { depth: Number(row?.depth ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.age ?? 0)) };
}

export async function outboxFailedCount(q: Queryable): Promise<number> {
  const row = (await q('outbox').where({ status: 'failed' }).count<{ count: string | number }[]>('id as count').first()) as { count: string | number } | undefined;
  return Number(row?.count ?? 0);
}

export async function heldQuarantineCount(q: Queryable): Promise<number> {
  const row = (await q('quarantine').where({ status: 'held' }).count<{ count: string | number }[]>('id as count').first()) as { count: string | number } | undefined;
  return Number(row?.count ?? 0);
}
