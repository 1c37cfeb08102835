import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Origin, ReceiveResult } from '../receive.js';
import type { RawMail } from '../mail/raw-mail.js';

export type ReceiveFn = (raw: RawMail, origin: Origin) => Promise<ReceiveResult>;

/**
 * Local mode's mailbox: files dropped into a folder. A file is moved aside only after its mail was
 * committed (never lost); a crash in between re-ingests it and the Message-ID check drops the copy.
 */
export class FolderIngress {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly processedDir: string,
    private readonly receive: ReceiveFn,
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    mkdirSync(this.processedDir, { recursive: true });
    try {
      this.watcher = watch(this.dir, () => this.wake());
    } catch {
      // fs.watch is best effort; the poll below is the guarantee.
    }
    this.wake();
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), 50);
  }

  /** Ingests every file waiting in the folder, oldest first. */
  drain(): Promise<void> {
    if (!this.draining) {
      this.draining = this.drainFiles().finally(() => {
        this.draining = undefined;
        if (!this.stopped) this.timer = setTimeout(() => void this.drain(), this.pollMs);
      });
    }
    return this.draining;
  }

  private pendingFiles(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort((a, b) => statSync(join(this.dir, a)).mtimeMs - statSync(join(this.dir, b)).mtimeMs || a.localeCompare(b));
  }

  private async drainFiles(): Promise<void> {
    for (const name of this.pendingFiles()) {
      if (this.stopped) return;
      const path = join(this.dir, name);
      let raw: Buffer;
      try {
        raw = readFileSync(path);
      } catch {
        continue; // vanished or still being written; the next pass sees it
      }
      try {
        const result = await this.receive(raw, { source: `file:${name}` });
        this.log.info({ file: name, outcome: result.outcome, ticket: result.ticketRef, reason: result.reason }, `ingested ${name}: ${result.outcome}${result.ticketRef ? ` ${result.ticketRef}` : ''}`);
      } catch (err) {
        this.log.warn({ file: name, err: (err as Error).message }, 'ingest failed; the file stays for the next try');
        return;
      }
      let target = join(this.processedDir, name);
      if (existsSync(target)) target = join(this.processedDir, `${Date.now()}-${name}`);
      renameSync(path, target);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
    await this.draining;
  }
}
