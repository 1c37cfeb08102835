// Large raw sources live in the content-addressed file store (like attachments), not in a bytea
// column: a 34 MB insert stalls the mails behind it. Small ones stay in the row.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.alterTable('messages', (t) => {
    t.text('raw_sha256');
    t.bigInteger('raw_size');
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('raw_sha256');
    t.dropColumn('raw_size');
  });
}
