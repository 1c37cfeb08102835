// IMAP mails of one window are stored concurrently (issue #8), so a mail's transaction can no
// longer move the mailbox checkpoint itself: a later UID could commit before an earlier one and a
// crash would skip the earlier one. Each transaction records its UID here instead; the ingress
// moves the checkpoint to the highest UID below which every UID committed and deletes these rows
// up to it, so the table holds at most one window per mailbox. After a crash, a UID above the
// checkpoint that has a row here is already stored and is skipped.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('imap_committed_uids', (t) => {
    t.text('mailbox').notNullable(); // the checkpoint key: imap:USER@HOST:PORT/FOLDER
    t.bigInteger('uid_validity').notNullable();
    t.bigInteger('uid').notNullable();
    t.primary(['mailbox', 'uid_validity', 'uid']);
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.dropTable('imap_committed_uids');
}
