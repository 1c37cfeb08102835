// Mail hygiene: recipients we stop mailing for a while (bounced, complained), and attachments
// stored as content-addressed files (sha256) rather than in the database.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('suppressed_recipients', (t) => {
    t.text('email').primary();
    t.text('reason').notNullable();
    t.timestamp('until', { useTz: true }).notNullable();
    t.integer('ticket_id').references('tickets.id').onDelete('SET NULL');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('attachments', (t) => {
    t.increments('id');
    t.integer('message_id').notNullable().references('messages.id').onDelete('CASCADE');
    t.text('filename');
    t.text('content_type').notNullable();
    t.bigInteger('size').notNullable();
    t.text('sha256').notNullable();
    t.index(['message_id']);
  });
  // Rate caps count recent automatic mail per recipient.
  await knex.raw(`CREATE INDEX outbox_recent ON outbox (created_at)`);
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.raw('DROP INDEX IF EXISTS outbox_recent');
  await knex.schema.dropTableIfExists('attachments');
  await knex.schema.dropTableIfExists('suppressed_recipients');
}
