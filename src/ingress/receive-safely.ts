import { isTemporaryFailure } from '../errors.js';
import { addQuarantine, addReceipt, recordCommittedUid } from '../store/ingest-log.js';
import { receiveMail, type Origin, type ReceiveDeps, type ReceiveResult } from '../receive.js';
import { rawBuffer, type RawMail } from '../mail/raw-mail.js';

/**
 * Every ingress calls this. A temporary failure (database away) is thrown so the source keeps the
 * mail and retries; any other failure on one mail quarantines that mail with the reason, so one
 * bad message never stops the ones behind it and nothing is skipped silently.
 */
export async function receiveSafely(deps: ReceiveDeps, raw: RawMail, origin: Origin): Promise<ReceiveResult> {
  try {
    return await receiveMail(deps, raw, origin);
  } catch (err) {
    if (isTemporaryFailure(err)) throw err;
    // knex prefixes the whole SQL statement ("insert into … - cause"): keep the cause.
    const message = (err as Error).message.split('\n')[0] ?? String(err);
    const reason = `processing failed: ${message.includes(' - ') ? message.slice(message.lastIndexOf(' - ') + 3) : message}`;
    deps.log.error({ source: origin.source, err: (err as Error).message }, 'mail quarantined after an error');
    await deps.db.transaction(async (tx) => {
      await addQuarantine(tx, { mailbox: deps.sender.mailbox, source: origin.source, reason, raw: rawBuffer(raw) });
      await addReceipt(tx, { mailbox: deps.sender.mailbox, source: origin.source, messageId: undefined, outcome: 'quarantined', reason, ticketId: undefined, decisions: [{ stage: 'receive', verdict: 'quarantined', reason }] });
      if (origin.imap) await recordCommittedUid(tx, origin.imap);
    });
    return { outcome: 'quarantined', reason, ticketRef: undefined, messageId: undefined, notifications: 0 };
  }
}
