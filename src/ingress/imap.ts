import { ImapFlow } from 'imapflow';
import type { ImapSettings } from '../config.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { getCheckpoint, type Checkpoint } from '../store/ingest-log.js';
import { isAuthError, type FetchStatus } from './fetch-status.js';
import type { ReceiveFn } from './folder.js';

/** One key per account and folder: the checkpoint's, and the leadership's. */
export function imapCheckpointKey(settings: ImapSettings): string {
  return `imap:${settings.user}@${settings.host}:${settings.port}/${settings.mailbox}`;
}

/**
 * The shared mailbox over IMAP. Exactly-once by design: each message is stored in one transaction
 * together with the mailbox checkpoint (UIDVALIDITY, last UID); only after the commit is it
 * flagged \Seen (or moved). A crash in between leaves a message that the checkpoint skips, and a
 * redelivery is recognised by its Message-ID. IDLE wakes us when mail arrives; a periodic pass
 * (POLL_INTERVAL) covers servers without IDLE and missed notifications.
 */
export class ImapIngress {
  private client: ImapFlow | undefined;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private backoffMs = 1000;
  private wokenWhileBusy = false;
  private reconciled = false;
  /** Set after each successful pass; for health checks. */
  lastFetchAt: Date | undefined;

  constructor(
    private readonly settings: ImapSettings,
    private readonly db: Db,
    private readonly receive: ReceiveFn,
    private readonly log: Logger,
    private readonly pollIntervalMs: number,
    private readonly faults: { exitAfterCommit: boolean } = { exitAfterCommit: false },
    /** Told of every pass and failure (health, metrics, stall alert). */
    private readonly status?: FetchStatus,
  ) {}

  /** The checkpoint's key: one per account and folder. */
  get checkpointKey(): string {
    return imapCheckpointKey(this.settings);
  }

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  private wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wokenWhileBusy = true;
  }

  /** Waits for new mail (IDLE's EXISTS), a closed connection, stop(), or the poll interval. */
  private sleep(ms: number): Promise<void> {
    if (this.wokenWhileBusy) {
      this.wokenWhileBusy = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const client = new ImapFlow({
        host: this.settings.host,
        port: this.settings.port,
        secure: this.settings.secure,
        auth: { user: this.settings.user, pass: this.settings.pass },
        logger: false,
        missingIdleCommand: 'NOOP',
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
      });
      this.client = client;
      client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'imap connection error'));
      client.on('exists', () => this.wake());
      client.on('close', () => this.wake());
      try {
        await client.connect();
        await client.mailboxOpen(this.settings.mailbox);
        if (this.settings.afterStore.kind === 'move') await this.ensureFolder(client, this.settings.afterStore.folder);
        this.log.info({ host: this.settings.host, mailbox: this.settings.mailbox, idle: client.capabilities.has('IDLE') }, 'imap connected');
        this.backoffMs = 1000;
        while (!this.stopped && client.usable) {
          await this.drain(client);
          this.lastFetchAt = new Date();
          this.status?.succeeded(this.lastFetchAt);
          if (this.stopped) break;
          // Explicit IDLE (imapflow would only start it after 15 s on its own); the next
          // command breaks it. Servers without IDLE get NOOPs (missingIdleCommand).
          void client.idle().catch(() => undefined);
          await this.sleep(this.pollIntervalMs);
        }
      } catch (err) {
        if (!this.stopped) {
          this.status?.failed((err as Error).message, isAuthError(err));
          this.log.warn({ err: (err as Error).message, retryInMs: this.backoffMs }, 'imap pass failed; reconnecting');
        }
      } finally {
        this.client = undefined;
        await client.logout().catch(() => client.close());
      }
      if (!this.stopped) {
        await this.sleep(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
      }
    }
  }

  private async ensureFolder(client: ImapFlow, folder: string): Promise<void> {
    const list = await client.list();
    if (!list.some((m) => m.path === folder)) await client.mailboxCreate(folder);
  }

  /** Everything not yet stored: UIDs above the checkpoint, or (no valid checkpoint) the unseen ones. */
  private async pendingUids(client: ImapFlow, uidValidity: number, checkpoint: Checkpoint | undefined): Promise<number[]> {
    let uids: number[];
    if (checkpoint && checkpoint.uidValidity === uidValidity) {
      const found = await client.search({ uid: `${checkpoint.lastUid + 1}:*` }, { uid: true });
      // "n:*" always matches the highest UID, even below n.
      uids = (found || []).filter((u) => u > checkpoint.lastUid);
    } else {
      if (checkpoint) {
        this.log.warn({ old: checkpoint.uidValidity, new: uidValidity }, 'UIDVALIDITY changed: rescanning unseen mail; copies are recognised by Message-ID');
      }
      uids = (await client.search({ seen: false }, { uid: true })) || [];
    }
    return uids.sort((a, b) => a - b);
  }

  private async drain(client: ImapFlow): Promise<void> {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('no mailbox selected');
    const uidValidity = Number(mailbox.uidValidity);
    const checkpoint = await getCheckpoint(this.db, this.checkpointKey);
    if (!this.reconciled && checkpoint && checkpoint.uidValidity === uidValidity && checkpoint.lastUid > 0) {
      // A crash between commit and flag leaves at most the last stored message unflagged.
      await this.afterStore(client, checkpoint.lastUid);
      this.reconciled = true;
    }
    for (const uid of await this.pendingUids(client, uidValidity, checkpoint)) {
      if (this.stopped) return;
      const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      if (!message || !message.source) {
        this.log.warn({ uid }, 'message vanished before it could be fetched (expunged by another client)');
        continue;
      }
      const result = await this.receive(message.source, {
        source: `imap:${uidValidity}:${uid}`,
        imap: { mailbox: this.checkpointKey, uidValidity, uid },
      });
      this.log.info({ uid, outcome: result.outcome, ticket: result.ticketRef, reason: result.reason }, `imap uid ${uid}: ${result.outcome}${result.ticketRef ? ` ${result.ticketRef}` : ''}`);
      if (this.faults.exitAfterCommit) {
        this.log.error({ uid }, 'fault injection: exiting between commit and flag');
        process.exit(99);
      }
      await this.afterStore(client, uid);
    }
  }

  /** Only after the commit: the flag or move is a courtesy for humans, the checkpoint is the truth. */
  private async afterStore(client: ImapFlow, uid: number): Promise<void> {
    if (this.settings.afterStore.kind === 'move') await client.messageMove(String(uid), this.settings.afterStore.folder, { uid: true });
    else await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
  }

  /** Stops fetching, lets the message in hand finish, and logs out. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }
}
