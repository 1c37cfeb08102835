import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use; a fresh database is created on it per test file. */
export const ADMIN_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function canConnect(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** PostgreSQL must answer; when it is installed but stopped and we are root, start it once. */
export async function ensurePostgres(): Promise<void> {
  let problem = await canConnect();
  if (!problem) return;
  if (process.getuid?.() === 0 && existsSync('/etc/postgresql')) {
    for (const version of readdirSync('/etc/postgresql')) {
      try {
        execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'ignore' });
      } catch {
        // reported below if it still does not answer
      }
    }
    problem = await canConnect();
    if (!problem) return;
  }
  throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL} (${problem}); install and start it (apt-get install postgresql) or set TEST_DATABASE_URL`);
}

/** Creates an empty database for one test file; returns its URL and a function that drops it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `deskmail_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
