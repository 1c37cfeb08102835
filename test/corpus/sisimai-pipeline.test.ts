import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { receiveSafely } from '../../src/ingress/receive-safely.js';
import type { ReceiveDeps } from '../../src/receive.js';
import { closeDb, migrate, openDb } from '../../src/store/db.js';
import { testDeps } from '../support/deps.js';

/**
 * The whole pipeline over sisimai's 501 real bounces (../shared/corpus): every bsd/ file opens no
 * ticket and triggers no acknowledgment; the two not/ mails are ordinary requests.
 */
const corpus = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'corpus', 'sisimai', 'set-of-emails', 'maildir');

describe('sisimai corpus through the pipeline (embedded PGlite)', () => {
  let deps: ReceiveDeps;
  beforeAll(async () => {
    const db = openDb({ databaseUrl: undefined, embeddedDir: undefined });
    await migrate(db);
    deps = testDeps(db, loadConfig({ HELPDESK_ADDRESS: 'support@helpdesk.test', DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-sisimai-')) }));
  });
  afterAll(async () => closeDb(deps.db));

  it('is present beside the project', () => {
    expect(existsSync(join(corpus, 'bsd')), `sisimai corpus not found at ${corpus}${process.env['CI'] === 'true' ? ' — CI=true requires it' : ''}`).toBe(true);
  });

  it('no bounce opens a ticket or gets an acknowledgment; ordinary mail does', async () => {
    const outcomes = new Map<string, number>();
    for (const file of readdirSync(join(corpus, 'bsd')).filter((f) => f.endsWith('.eml')).sort()) {
      const r = await receiveSafely(deps, readFileSync(join(corpus, 'bsd', file)), { source: `sisimai:${file}` });
      outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
      expect(r.ticketRef, `${file}: ${r.reason}`).toBeUndefined();
    }
    console.log('sisimai bsd/ outcomes:', Object.fromEntries(outcomes));
    const count = async (table: string): Promise<number> => Number(((await deps.db(table).count<{ count: string | number }[]>('id as count'))[0]!).count);
    expect(await count('tickets')).toBe(0);
    expect(await count('outbox')).toBe(0);
    expect(outcomes.get('quarantined') ?? 0).toBe(0);

    for (const file of readdirSync(join(corpus, 'not')).filter((f) => f.endsWith('.eml'))) {
      const r = await receiveSafely(deps, readFileSync(join(corpus, 'not', file)), { source: `sisimai:not/${file}` });
      expect(r.outcome, `${file}: ${r.reason}`).toBe('stored');
      expect(r.ticketRef).toBeDefined();
    }
  }, 180_000);
});
