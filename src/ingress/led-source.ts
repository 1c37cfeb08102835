import type { Logger } from '../log.js';
import { Leadership } from '../store/leader.js';
import type { FetchStatus } from './fetch-status.js';

export interface MailSource {
  start(): void;
  stop(): Promise<void>;
}

/**
 * A mail source that runs only while this gateway leads its mailbox: with several gateways on
 * one database exactly one fetches, and another takes over within seconds when it dies.
 */
export class LedSource implements MailSource {
  private source: MailSource | undefined;
  private readonly leadership: Leadership;

  constructor(opts: { databaseUrl: string | undefined; key: string; log: Logger; status: FetchStatus; create: () => MailSource; intervalMs?: number }) {
    this.leadership = new Leadership({
      databaseUrl: opts.databaseUrl,
      key: opts.key,
      log: opts.log,
      intervalMs: opts.intervalMs,
      onChange: async (isLeader) => {
        if (isLeader) {
          opts.status.setLeader(true);
          this.source = opts.create();
          this.source.start();
        } else {
          await this.source?.stop();
          this.source = undefined;
          opts.status.setLeader(false);
        }
      },
    });
  }

  get isLeader(): boolean {
    return this.leadership.isLeader;
  }

  start(): void {
    this.leadership.start();
  }

  /** Stops fetching (the mail in hand finishes), then gives up the lead. */
  async stop(): Promise<void> {
    await this.leadership.stop();
  }
}
