import pg from 'pg';
import type { Logger } from '../log.js';

/** Advisory-lock namespace for mailbox leadership: "desk" as a 32-bit integer. */
const LOCK_CLASS = 0x6465736b;

export interface LeadershipOptions {
  /** postgres://…; undefined for the embedded database, which only one process can open anyway. */
  databaseUrl: string | undefined;
  /** What is led, e.g. the mailbox's checkpoint key. */
  key: string;
  log: Logger;
  /** How often a follower tries to take the lead, and the leader checks its lock connection. */
  intervalMs?: number;
  onChange: (isLeader: boolean) => Promise<void>;
}

/**
 * One leader per mailbox among gateways sharing a PostgreSQL database: a session advisory lock
 * held on a dedicated connection (not the knex pool, whose connections come and go). When the
 * leader dies, even by kill -9, PostgreSQL sees its connection close and frees the lock; a
 * follower takes it on its next try (every `intervalMs`, 2 s). A leader that loses its lock
 * connection (database restart, network) steps down at once and competes again.
 */
export class Leadership {
  private stopped = false;
  private leading = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly opts: LeadershipOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    this.loop = this.opts.databaseUrl ? this.run(this.opts.databaseUrl) : this.setLeading(true);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /** Transitions run one after another, so "stepped down" really means fetching has stopped. */
  private setLeading(leading: boolean): Promise<void> {
    this.transitions = this.transitions.then(async () => {
      if (this.leading === leading) return;
      this.leading = leading;
      this.opts.log.info({ key: this.opts.key, leader: leading }, leading ? 'took the lead: fetching this mailbox' : 'stepped down: no longer fetching this mailbox');
      try {
        await this.opts.onChange(leading);
      } catch (err) {
        this.opts.log.error({ key: this.opts.key, err: (err as Error).message }, 'leadership change failed');
      }
    });
    return this.transitions;
  }

  private transitions: Promise<void> = Promise.resolve();

  private async run(databaseUrl: string): Promise<void> {
    const interval = this.opts.intervalMs ?? 2000;
    while (!this.stopped) {
      const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, query_timeout: 5_000, keepAlive: true, application_name: 'deskmail-leader' });
      // A dropped connection surfaces as an error on the next query; this only keeps it from crashing us.
      client.on('error', () => undefined);
      try {
        await client.connect();
        while (!this.stopped) {
          if (this.leading) {
            await client.query('SELECT 1');
          } else {
            const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked', [LOCK_CLASS | 0, this.opts.key]);
            if (result.rows[0]?.locked) await this.setLeading(true);
          }
          await this.sleep(interval);
        }
      } catch (err) {
        if (!this.stopped) this.opts.log.warn({ key: this.opts.key, err: (err as Error).message }, 'leadership connection lost; competing again');
      } finally {
        // Stop fetching first, then close the session, which releases the lock: never two fetchers.
        await this.setLeading(false);
        await client.end().catch(() => undefined);
      }
      if (!this.stopped) await this.sleep(interval);
    }
  }

  /** Steps down (the caller's onChange stops fetching first) and releases the lock. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await this.setLeading(false);
  }
}
