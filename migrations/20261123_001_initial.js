// The initial schema. Plain SQL-shaped knex, shared by PostgreSQL and the embedded PGlite.
// Every table a ticket's life touches: tickets, messages (raw source kept), participants,
// agents, events (audit log), mailbox checkpoints, receipts (one row per inbound mail: what
// happened to it and why), quarantine, and the outbox.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('agents', (t) => {
    t.increments('id');
    t.text('email').notNullable().unique();
    t.text('name').notNullable();
    t.text('role').notNullable().defaultTo('agent'); // agent | lead | admin
    t.jsonb('skills').notNullable().defaultTo('[]');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('tickets', (t) => {
    t.increments('id');
    t.text('ref').notNullable().unique();
    t.text('subject').notNullable();
    t.text('status').notNullable().defaultTo('new');
    t.text('priority').notNullable().defaultTo('P3');
    t.text('category');
    t.jsonb('tags').notNullable().defaultTo('[]');
    t.text('requester_email').notNullable();
    t.text('requester_name');
    t.integer('assignee_id').references('agents.id').onDelete('SET NULL');
    t.text('language');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status']);
    t.index(['requester_email']);
  });

  await knex.schema.createTable('participants', (t) => {
    t.integer('ticket_id').notNullable().references('tickets.id').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('name');
    t.text('role').notNullable(); // requester | cc | agent
    t.primary(['ticket_id', 'email']);
  });

  await knex.schema.createTable('messages', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('tickets.id').onDelete('CASCADE');
    t.text('mailbox').notNullable();
    t.text('message_id').notNullable();
    t.text('direction').notNullable(); // in | out | note
    t.text('from_address').notNullable();
    t.text('from_name');
    t.jsonb('to_addresses').notNullable().defaultTo('[]');
    t.jsonb('cc_addresses').notNullable().defaultTo('[]');
    t.text('subject').notNullable().defaultTo('');
    t.text('body').notNullable().defaultTo('');
    t.text('body_html');
    t.text('in_reply_to');
    t.jsonb('references').notNullable().defaultTo('[]');
    t.binary('raw'); // the original source, byte for byte (inbound)
    t.jsonb('decisions').notNullable().defaultTo('[]'); // [{stage, verdict, reason}]
    t.timestamp('sent_at', { useTz: true }); // the Date header
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // A redelivered mail (same Message-ID) is recognised and changes nothing.
    t.unique(['mailbox', 'message_id']);
    t.index(['ticket_id']);
    t.index(['message_id']);
  });

  await knex.schema.createTable('events', (t) => {
    t.increments('id');
    t.integer('ticket_id').notNullable().references('tickets.id').onDelete('CASCADE');
    t.text('type').notNullable();
    t.text('actor').notNullable(); // an email address, or "system"
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_id']);
  });

  await knex.schema.createTable('mailbox_checkpoints', (t) => {
    t.text('mailbox').primary();
    t.bigInteger('uid_validity').notNullable();
    t.bigInteger('last_uid').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('receipts', (t) => {
    t.increments('id');
    t.text('mailbox').notNullable();
    t.text('source').notNullable(); // imap:UIDVALIDITY:UID | file:NAME | pipe
    t.text('message_id');
    t.text('outcome').notNullable(); // stored | duplicate | dropped | quarantined
    t.text('reason').notNullable();
    t.integer('ticket_id').references('tickets.id').onDelete('SET NULL');
    t.jsonb('decisions').notNullable().defaultTo('[]');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['message_id']);
  });

  await knex.schema.createTable('quarantine', (t) => {
    t.increments('id');
    t.text('mailbox').notNullable();
    t.text('source').notNullable();
    t.text('reason').notNullable();
    t.binary('raw').notNullable();
    t.text('status').notNullable().defaultTo('held'); // held | retried
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('outbox', (t) => {
    t.increments('id');
    t.integer('ticket_id').references('tickets.id').onDelete('SET NULL');
    t.text('kind').notNullable(); // the template (notification) name
    t.text('message_id').notNullable().unique(); // deterministic: a resend is recognisable
    t.text('from_address').notNullable();
    t.jsonb('to_addresses').notNullable();
    t.text('subject').notNullable();
    t.text('text_body').notNullable();
    t.text('html_body');
    t.jsonb('headers').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('pending'); // pending | sent | failed
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('locked_until', { useTz: true });
    t.text('last_error');
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending'`);
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  for (const table of ['outbox', 'quarantine', 'receipts', 'mailbox_checkpoints', 'events', 'messages', 'participants', 'tickets', 'agents']) {
    await knex.schema.dropTableIfExists(table);
  }
}
