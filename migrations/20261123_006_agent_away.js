// Agent availability: an agent marked away (deskmail agents away EMAIL --until DATE) gets no
// auto-assignment until then; the note says why, for agents list and the triage mail.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.alterTable('agents', (t) => {
    t.timestamp('away_until', { useTz: true });
    t.text('away_note');
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.alterTable('agents', (t) => {
    t.dropColumn('away_until');
    t.dropColumn('away_note');
  });
}
