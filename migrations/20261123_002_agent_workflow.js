// What agents' commands need: triage and escalation flags, the resolution (prevention analysis),
// merge and follow-up links, suspicious (unauthenticated) agent mail, blocked senders, and a
// settings table holding the generated secret for signed reply addresses.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.alterTable('tickets', (t) => {
    t.boolean('approved').notNullable().defaultTo(false);
    t.boolean('escalated').notNullable().defaultTo(false);
    t.text('resolution');
    t.text('merged_into');
    t.text('follows_up'); // the ref of the closed ticket this one continues
    t.timestamp('resolved_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
  });
  await knex.schema.alterTable('messages', (t) => {
    t.boolean('suspicious').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('outbox', (t) => {
    t.text('from_name'); // "Agent Name (Support)" on a human reply; the helpdesk name when null
  });
  await knex.schema.createTable('settings', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
  });
  await knex.schema.createTable('blocked_senders', (t) => {
    t.text('email').primary();
    t.text('reason').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.dropTableIfExists('blocked_senders');
  await knex.schema.dropTableIfExists('settings');
  await knex.schema.alterTable('messages', (t) => t.dropColumn('suspicious'));
  await knex.schema.alterTable('outbox', (t) => t.dropColumn('from_name'));
  await knex.schema.alterTable('tickets', (t) => {
    for (const c of ['approved', 'escalated', 'resolution', 'merged_into', 'follows_up', 'resolved_at', 'closed_at']) t.dropColumn(c);
  });
}
