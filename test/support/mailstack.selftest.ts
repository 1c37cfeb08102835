/**
 * Self-test for the mail stack: `npx tsx test/support/mailstack.selftest.ts`
 *
 * Starts Dovecot + OpenSMTPD, sends two mails over SMTP (nodemailer) and reads
 * them back over IMAP (imapflow):
 *   1. bob@example.test                -> bob@example.test INBOX
 *   2. support+HD-1@helpdesk.test      -> support@helpdesk.test INBOX, To header unchanged
 * Then restarts Dovecot and checks IMAP still works. Prints OK and exits 0.
 */
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { startMailStack, type MailStack } from './mailstack.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function send(stack: MailStack, to: string, subject: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: stack.host, port: stack.smtpPort, secure: false, ignoreTLS: true });
  const messageId = `<${randomUUID()}@selftest.deskmail.test>`;
  await transport.sendMail({ from: 'alice@example.test', to, subject, text: 'hello from the selftest\n', messageId });
  transport.close();
  return messageId;
}

/** Delivery is asynchronous (smtpd queue -> LMTP), so poll the mailbox for the Message-ID. */
async function waitForMessage(stack: MailStack, user: string, messageId: string): Promise<{ to: string; subject: string }> {
  const client = new ImapFlow({
    host: stack.host,
    port: stack.imapPort,
    secure: false,
    auth: { user, pass: stack.password },
    logger: false,
  });
  await client.connect();
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
        const uid = Array.isArray(uids) ? uids[0] : undefined;
        if (uid !== undefined) {
          const msg = await client.fetchOne(String(uid), { envelope: true, headers: ['to'] }, { uid: true });
          if (!msg) throw new Error('fetchOne returned nothing');
          const to = (msg.headers?.toString('utf8') ?? '').replace(/^to:\s*/i, '').trim();
          return { to, subject: msg.envelope?.subject ?? '' };
        }
      } finally {
        lock.release();
      }
      await sleep(100);
    }
    throw new Error(`message ${messageId} not delivered to ${user} INBOX within 15 s`);
  } finally {
    await client.logout();
  }
}

function assert(cond: boolean, msg: string): void {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const stack = await startMailStack();
  const startupMs = Date.now() - t0;
  try {
    console.log(`mail stack up in ${startupMs} ms: imap ${stack.imapPort}, smtp ${stack.smtpUrl()}`);
    console.log(`  ${stack.imapUrl('support@helpdesk.test')}`);

    const id1 = await send(stack, 'bob@example.test', 'selftest plain');
    const m1 = await waitForMessage(stack, 'bob@example.test', id1);
    assert(m1.subject === 'selftest plain', `subject was ${m1.subject}`);
    assert(m1.to === 'bob@example.test', `To was ${m1.to}`);

    const id2 = await send(stack, 'support+HD-1@helpdesk.test', 'selftest plus address');
    const m2 = await waitForMessage(stack, 'support@helpdesk.test', id2);
    assert(m2.to === 'support+HD-1@helpdesk.test', `To header must be kept, was ${m2.to}`);

    const t1 = Date.now();
    await stack.restartDovecot();
    console.log(`dovecot restarted in ${Date.now() - t1} ms`);
    const id3 = await send(stack, 'bob@example.test', 'after restart');
    await waitForMessage(stack, 'bob@example.test', id3);
  } finally {
    const t2 = Date.now();
    await stack.stop();
    console.log(`stopped in ${Date.now() - t2} ms`);
  }
  console.log('OK');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
