import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { receiveMail, type ReceiveDeps } from '../../src/receive.js';
import { closeDb, migrate, openDb, type Db } from '../../src/store/db.js';
import { testDeps } from './deps.js';
import { freshDatabase } from './postgres.js';
import { rawMessage } from './raw-mail.js';

export const PIPELINE_SUPPORT = 'support@helpdesk.test';

export interface Pipeline {
  db: Db;
  deps: ReceiveDeps;
  /** Runs one mail to the helpdesk through receiveMail; returns the ticket's ref. */
  mail(from: string, subject: string, body: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The ingest pipeline on a fresh, migrated PostgreSQL database, without the mail stack: for tests
 * that drive receiveMail directly. `env` adds to the configuration; `dataDir` is for a test that
 * puts files there first. Message-IDs are `<name>-<n>@example.test`.
 */
export async function openPipeline(name: string, opts: { env?: Record<string, string>; dataDir?: string } = {}): Promise<Pipeline> {
  const database = await freshDatabase();
  const db = openDb({ databaseUrl: database.url, embeddedDir: undefined });
  let deps: ReceiveDeps;
  try {
    await migrate(db);
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `deskmail-${name}-`));
    deps = testDeps(db, loadConfig({ HELPDESK_ADDRESS: PIPELINE_SUPPORT, AGENT_AUTH: 'off', DESKMAIL_DATA_DIR: dataDir, ...opts.env }));
  } catch (err) {
    await closeDb(db);
    await database.drop();
    throw err;
  }
  let n = 0;
  return {
    db,
    deps,
    async mail(from, subject, body) {
      const r = await receiveMail(deps, rawMessage([`From: ${from}`, `To: ${PIPELINE_SUPPORT}`, `Subject: ${subject}`, `Message-ID: <${name}-${++n}@example.test>`], body), { source: 'test' });
      return r.ticketRef!;
    },
    async close() {
      await closeDb(db);
      await database.drop();
    },
  };
}
