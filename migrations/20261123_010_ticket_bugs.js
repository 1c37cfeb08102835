// Bugs filed in (or linked to) the development tracker: several per ticket, several tickets per
// item key (the "known issue"); the key stays null until the tracker tells us (confirmation mail
// or webhook response). tracker_deliveries refuses a replayed incoming webhook.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('ticket_bugs', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('tickets.id').onDelete('CASCADE');
    t.text('tracker').notNullable();
    t.text('key'); // e.g. APP-123; null until the tracker names it
    t.text('summary').notNullable().defaultTo('');
    t.text('status').notNullable().defaultTo('filed'); // filed | linked | open | done
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_id']);
    t.index(['tracker', 'key']);
  });
  await knex.schema.createTable('tracker_deliveries', (t) => {
    t.text('tracker').notNullable();
    t.text('delivery_id').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['tracker', 'delivery_id']);
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.dropTableIfExists('tracker_deliveries');
  await knex.schema.dropTableIfExists('ticket_bugs');
}
