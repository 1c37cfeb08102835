// Customer satisfaction by mail (seed 003 step 11): one row per ticket, created when the survey
// is sent, rated (and re-rated within CSAT_WINDOW_DAYS) by the customer's reply. Every rating and
// every refused one is also an event, so the row is the current answer and the events the history.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('csat_ratings', (t) => {
    t.integer('ticket_id').primary().references('tickets.id').onDelete('CASCADE');
    t.timestamp('surveyed_at', { useTz: true }).notNullable();
    t.text('survey_message_id');
    t.integer('rating'); // 1..5; null until the customer answers
    t.text('comment');
    t.text('rated_by');
    t.text('rating_message_id');
    t.timestamp('rated_at', { useTz: true });
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.dropTableIfExists('csat_ratings');
}
