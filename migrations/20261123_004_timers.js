// Durable timers (SLA alerts, reminders, auto-escalation, auto-close) and the ticket clocks they
// are computed from. A timer fires exactly once: it is claimed FOR UPDATE SKIP LOCKED and marked
// fired in the same transaction as its effects, so several gateways can share the table.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.alterTable('tickets', (t) => {
    t.timestamp('first_response_at', { useTz: true });
    t.timestamp('last_customer_update_at', { useTz: true });
    t.text('sla_policy');
    t.text('team');
  });
  await knex.schema.createTable('timers', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('tickets.id').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.timestamp('fired_at', { useTz: true });
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_id']);
  });
  await knex.raw(`CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL`);
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.dropTableIfExists('timers');
  await knex.schema.alterTable('tickets', (t) => {
    for (const c of ['first_response_at', 'last_customer_update_at', 'sla_policy', 'team']) t.dropColumn(c);
  });
}
