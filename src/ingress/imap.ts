import { ImapFlow } from 'imapflow';
import type { ImapSettings } from '../config.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import PQueue from 'p-queue';
import { advanceCheckpointPast, committedUids, getCheckpoint, type Checkpoint } from '../store/ingest-log.js';
import { windowStages } from './window-stages.js';
import { isAuthError, type FetchStatus } from './fetch-status.js';
import type { ReceiveFn } from './folder.js';
import { AttachmentStore } from '../mail/attachments.js';
import type { SpooledMail } from '../mail/raw-mail.js';

/**
 * UIDs per window: one FETCH of their sources, one STORE \Seen after their commits. Wide enough
 * that a window holds several unrelated conversations to store at once (see window-stages.ts).
 */
const BATCH_UIDS = 200;
/** In-memory sources of one window stay under this. */
const BATCH_BYTES = 8 * 1024 * 1024;
/** Larger mail is streamed to the file store (imapflow download()) instead of fetched into memory. */
const SPOOL_ABOVE_BYTES = 1024 * 1024;
const SPOOL_CHUNK_BYTES = 256 * 1024;
/** Transactions in flight at once (the pool has 10 connections; the timers and sender need some). */
const RECEIVE_CONCURRENCY = 4;
/** A vanished mail has no source; an empty one has no head and runs alone, where its absence is reported. */
const EMPTY = Buffer.alloc(0);

/** The highest UID of the window up to which every UID is done, or undefined if the first is not. */
export function contiguousThrough(uids: number[], isDone: (uid: number) => boolean): number | undefined {
  let through: number | undefined;
  for (const uid of uids) {
    if (!isDone(uid)) break;
    through = uid;
  }
  return through;
}

/** How deskmail reaches the IMAP server: the ingress and doctor's check connect alike. */
export function imapConnection(settings: ImapSettings, timeoutMs: number): NonNullable<ConstructorParameters<typeof ImapFlow>[0]> {
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: { user: settings.user, pass: settings.pass },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
  };
}

/** One key per account and folder: the checkpoint's, and the leadership's. */
export function imapCheckpointKey(settings: ImapSettings): string {
  return `imap:${settings.user}@${settings.host}:${settings.port}/${settings.mailbox}`;
}

/**
 * The shared mailbox over IMAP. Exactly-once by design: each message is stored in one transaction
 * together with a record of its UID; the mailbox checkpoint (UIDVALIDITY, last UID) then moves past
 * the window's committed UIDs, and only after that is the window flagged \Seen (or moved). A crash
 * in between leaves messages that the checkpoint or their UID record skips, and a redelivery is
 * recognised by its Message-ID. IDLE wakes us when mail arrives; a periodic pass
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
  /** Where large mail is streamed to; unset: all mail is fetched into memory. */
  private readonly spoolStore: AttachmentStore | undefined;

  constructor(
    private readonly settings: ImapSettings,
    private readonly db: Db,
    private readonly receive: ReceiveFn,
    private readonly log: Logger,
    private readonly pollIntervalMs: number,
    private readonly faults: { exitAfterCommit: boolean } = { exitAfterCommit: false },
    /** Told of every pass and failure (health, metrics, stall alert). */
    private readonly status?: FetchStatus,
    /** The file store large mail is streamed to (the attachments directory); unset: all mail is fetched into memory. */
    spoolDir?: string,
  ) {
    this.spoolStore = spoolDir ? new AttachmentStore(spoolDir) : undefined;
  }

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
      const client = new ImapFlow({ ...imapConnection(this.settings, 15_000), missingIdleCommand: 'NOOP' });
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
        this.reconciled = false; // every new connection checks for a window stored but not yet flagged
        while (!this.stopped && client.usable) {
          await this.drain(client);
          this.status?.succeeded();
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
      await this.reconcile(client, checkpoint.lastUid);
      this.reconciled = true;
    }
    const pending = await this.pendingUids(client, uidValidity, checkpoint);
    let next = 0;
    while (next < pending.length && !this.stopped) {
      const window = await this.nextWindow(client, pending.slice(next, next + BATCH_UIDS));
      next += window.uids.length;
      await this.receiveWindow(client, uidValidity, window);
    }
  }

  /**
   * One window's mails, several transactions at once over the pool (windowStages says which may
   * overlap). Each transaction records its UID; only afterwards does the checkpoint move, to the
   * highest UID below which every UID is done, so it never passes a mail that is not committed.
   * UIDs found already recorded (a crash before the checkpoint moved) are not received again.
   */
  private async receiveWindow(client: ImapFlow, uidValidity: number, window: { uids: number[]; sources: Map<number, Buffer>; large: Set<number> }): Promise<void> {
    const done = await committedUids(this.db, this.checkpointKey, uidValidity, window.uids);
    const stored = new Set(done); // flagged again: the crash may have come before the STORE
    const vanished = new Set<number>();
    let failure: unknown;
    const receiveOne = async (uid: number): Promise<void> => {
      const raw = window.sources.get(uid) ?? (window.large.has(uid) ? await this.spool(client, uid) : undefined);
      if (!raw) {
        this.log.warn({ uid }, 'message vanished before it could be fetched (expunged by another client)');
        vanished.add(uid);
        return;
      }
      const result = await this.receive(raw, {
        source: `imap:${uidValidity}:${uid}`,
        imap: { mailbox: this.checkpointKey, uidValidity, uid },
      });
      this.log.info({ uid, outcome: result.outcome, ticket: result.ticketRef, reason: result.reason }, `imap uid ${uid}: ${result.outcome}${result.ticketRef ? ` ${result.ticketRef}` : ''}`);
      if (this.faults.exitAfterCommit) {
        this.log.error({ uid }, 'fault injection: exiting between commit and flag');
        process.exit(99);
      }
      stored.add(uid);
    };
    const todo = window.uids.filter((uid) => !done.has(uid));
    const stages = windowStages(todo.map((uid) => ({ uid, source: window.sources.get(uid) ?? (window.large.has(uid) ? undefined : EMPTY) })));
    const queue = new PQueue({ concurrency: RECEIVE_CONCURRENCY });
    try {
      for (const stage of stages) {
        for (const partition of stage) {
          void queue.add(async () => {
            for (const uid of partition) {
              if (this.stopped || failure !== undefined) return;
              try {
                await receiveOne(uid);
              } catch (err) {
                failure ??= err;
              }
            }
          });
        }
        await queue.onIdle();
        if (this.stopped || failure !== undefined) break;
      }
    } finally {
      // Also after a failure: the committed part of the window is checkpointed and flagged.
      await queue.onIdle();
      const through = contiguousThrough(window.uids, (uid) => stored.has(uid) || vanished.has(uid));
      if (through !== undefined) await advanceCheckpointPast(this.db, this.checkpointKey, uidValidity, through);
      // One STORE (or MOVE) for the committed part of the window, also when a later mail failed.
      if (stored.size > 0 && client.usable) await this.afterStore(client, [...stored].sort((a, b) => a - b));
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * The next UIDs to receive: one FETCH of their sizes, then one FETCH of the sources of the small
   * ones (at most BATCH_BYTES in memory). Large ones are only named here; they are streamed to the
   * file store one at a time when their turn comes.
   */
  private async nextWindow(client: ImapFlow, candidates: number[]): Promise<{ uids: number[]; sources: Map<number, Buffer>; large: Set<number> }> {
    const sizes = new Map<number, number>();
    for await (const m of client.fetch(candidates.join(','), { uid: true, size: true }, { uid: true })) sizes.set(m.uid, m.size ?? 0);
    const uids: number[] = [];
    const small: number[] = [];
    const large = new Set<number>();
    let bytes = 0;
    for (const uid of candidates) {
      const size = sizes.get(uid) ?? 0; // vanished: reported when its turn comes
      if (this.spoolStore && size > SPOOL_ABOVE_BYTES) large.add(uid);
      else {
        if (bytes + size > BATCH_BYTES && uids.length > 0) break;
        bytes += size;
        if (sizes.has(uid)) small.push(uid);
      }
      uids.push(uid);
    }
    const sources = new Map<number, Buffer>();
    if (small.length > 0) {
      for await (const m of client.fetch(small.join(','), { uid: true, source: true }, { uid: true })) if (m.source) sources.set(m.uid, m.source);
    }
    return { uids, sources, large };
  }

  /** A large mail straight to the content-addressed file store, hashed on the way; never whole in memory. */
  private async spool(client: ImapFlow, uid: number): Promise<SpooledMail | undefined> {
    const files = this.spoolStore!;
    const download = await client.download(String(uid), undefined, { uid: true, chunkSize: SPOOL_CHUNK_BYTES });
    if (!download.content) return undefined;
    const stored = await files.save(download.content);
    return { path: files.pathOf(stored.sha256), sha256: stored.sha256, size: stored.size };
  }

  /**
   * A crash or a lost connection between the commits and their STORE leaves at most one window
   * stored but unflagged (the checkpoint already skips it): flag it now. Only the last window's
   * worth, so a message a person marked unread long ago stays as they left it.
   */
  private async reconcile(client: ImapFlow, lastUid: number): Promise<void> {
    const query = this.settings.afterStore.kind === 'move' ? { uid: `1:${lastUid}` } : { uid: `1:${lastUid}`, seen: false };
    const stale = ((await client.search(query, { uid: true })) || []).filter((u) => u <= lastUid).sort((a, b) => a - b);
    if (stale.length > 0) await this.afterStore(client, stale.slice(-BATCH_UIDS));
  }

  /** Only after the commit: the flag or move is a courtesy for humans, the checkpoint is the truth. */
  private async afterStore(client: ImapFlow, uids: number[]): Promise<void> {
    const set = uids.join(',');
    if (this.settings.afterStore.kind === 'move') await client.messageMove(set, this.settings.afterStore.folder, { uid: true });
    else await client.messageFlagsAdd(set, ['\\Seen'], { uid: true });
  }

  /** Stops fetching, lets the message in hand finish, and logs out. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }
}
