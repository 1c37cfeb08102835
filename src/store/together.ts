import type { Knex } from 'knex';
import type { Queryable } from './db.js';

/**
 * Several independent writes as ONE statement (PostgreSQL data-modifying CTEs): one round trip
 * instead of several inside an inbound mail's transaction, where round trips are what costs
 * (BENCHMARKS.md). Only for writes that do not read each other's rows: all parts see the same
 * snapshot. Constraints and ON CONFLICT behave as they would one by one.
 */
export async function writeTogether(q: Queryable, writes: (Knex.QueryBuilder | undefined)[]): Promise<void> {
  const list = writes.filter((w): w is Knex.QueryBuilder => w !== undefined);
  if (list.length === 0) return;
  if (list.length === 1) {
    await list[0]!;
    return;
  }
  const parts = list.map((w) => w.toSQL());
  const ctes = parts.slice(0, -1).map((p, i) => `w${i} AS (${p.sql})`);
  await q.raw(`WITH ${ctes.join(', ')} ${parts.at(-1)!.sql}`, parts.flatMap((p) => p.bindings) as Knex.RawBinding[]);
}
