// Indexes for the lookups every inbound mail makes (BENCHMARKS.md): a reply's [HD-42] tag is
// looked up by upper(ref), which the unique index on ref cannot serve; the outgoing brakes count
// recent automatic mail per recipient with `to_addresses ? address`, which a GIN index answers
// without reading every row of the last ten minutes (outbox_recent already covers created_at).

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw('CREATE INDEX IF NOT EXISTS tickets_upper_ref ON tickets (upper(ref))');
  await knex.raw('CREATE INDEX IF NOT EXISTS outbox_to_addresses ON outbox USING gin (to_addresses)');
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.raw('DROP INDEX IF EXISTS outbox_to_addresses');
  await knex.raw('DROP INDEX IF EXISTS tickets_upper_ref');
}
