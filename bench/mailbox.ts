/**
 * IMAP helpers of the benchmark: fill a mailbox with APPEND, count a mailbox, and measure the
 * server's own IDLE delay (APPEND on one connection → EXISTS on another).
 */
import { ImapFlow } from 'imapflow';

export interface ImapAccount {
  host: string;
  port: number;
  user: string;
  pass: string;
}

export async function connect(a: ImapAccount): Promise<ImapFlow> {
  const client = new ImapFlow({ host: a.host, port: a.port, secure: false, auth: { user: a.user, pass: a.pass }, logger: false });
  await client.connect();
  return client;
}

/** APPENDs every message in order (one connection keeps UID order = list order); returns arrival times. */
export async function appendAll(a: ImapAccount, raws: Buffer[], mailbox = 'INBOX'): Promise<number[]> {
  const client = await connect(a);
  const times: number[] = [];
  try {
    for (const raw of raws) {
      await client.append(mailbox, raw);
      times.push(Date.now());
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
  return times;
}

/** Messages in a user's INBOX (0 when the mailbox does not exist yet). */
export async function countMessages(a: ImapAccount, mailbox = 'INBOX'): Promise<number> {
  const client = await connect(a);
  try {
    const status = await client.status(mailbox, { messages: true });
    return status ? (status.messages ?? 0) : 0;
  } catch {
    return 0;
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** Sum of INBOX sizes of many users, a few logins at a time. */
export async function countMany(base: Omit<ImapAccount, 'user'>, users: string[], parallel = 6): Promise<number> {
  let total = 0;
  const queue = [...users];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let u = queue.shift(); u !== undefined; u = queue.shift()) {
        // Not `total += await …`: that reads total before the await and loses the other workers' counts.
        const n = await countMessages({ ...base, user: u });
        total += n;
      }
    }),
  );
  return total;
}

/**
 * The mail server's own IDLE delay: one client IDLEs on INBOX, another APPENDs; the time from the
 * APPEND's completion to the EXISTS notification. Returns one sample per round, in ms.
 */
export async function idleDelays(a: ImapAccount, rounds: number, mail: (i: number) => Buffer): Promise<number[]> {
  const watcher = await connect(a);
  const writer = await connect(a);
  const samples: number[] = [];
  try {
    await watcher.mailboxOpen('INBOX');
    let onExists: (() => void) | undefined;
    watcher.on('exists', () => onExists?.());
    for (let i = 0; i < rounds; i++) {
      const seen = new Promise<number>((resolve) => {
        onExists = () => resolve(Date.now());
      });
      void watcher.idle().catch(() => undefined);
      // Let IDLE reach the server before the mail arrives.
      await new Promise((r) => setTimeout(r, 150));
      await writer.append('INBOX', mail(i));
      const appended = Date.now();
      const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(NaN), 10_000));
      const at = await Promise.race([seen, timeout]);
      if (!Number.isNaN(at)) samples.push(Math.max(0, at - appended));
      // Any command ends IDLE; NOOP also settles the mailbox state for the next round.
      await watcher.noop();
    }
  } finally {
    await watcher.logout().catch(() => undefined);
    await writer.logout().catch(() => undefined);
  }
  return samples;
}
