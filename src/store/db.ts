import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { packageRoot } from '../config.js';
import { DeskmailError } from '../errors.js';

export type Db = Knex;
export type Tx = Knex.Transaction;
/** Anything a store function can run a query on: the pool or an open transaction. */
export type Queryable = Knex | Knex.Transaction;

export interface DbTarget {
  /** postgres://… ; when absent, the embedded PGlite database in `embeddedDir` (or memory). */
  databaseUrl: string | undefined;
  embeddedDir: string | undefined;
}

/**
 * knex's own logger writes to stdout (console.log), e.g. "Acquire connection error: …" with a stack
 * for every failed connect, mixing into command output; the failure reaches the caller as the
 * rejected query anyway, which says it in one line.
 */
const QUIET_KNEX: Knex.Logger = { warn: () => undefined, debug: () => undefined, deprecate: () => undefined };

/** knex for PostgreSQL or the embedded PGlite — same migrations, same queries. */
export function openDb(target: DbTarget): Db {
  if (target.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: target.databaseUrl,
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: 10_000,
      log: QUIET_KNEX,
    });
  }
  let release = (): void => undefined;
  if (target.embeddedDir) {
    mkdirSync(target.embeddedDir, { recursive: true });
    release = lockEmbedded(target.embeddedDir);
  }
  const db = knexFactory({
    client: ClientPgLite as unknown as typeof knexFactory.Client,
    dialect: 'postgres',
    connection: target.embeddedDir ? { filename: target.embeddedDir } : {},
    useNullAsDefault: false,
    log: QUIET_KNEX,
  } as Knex.Config);
  embeddedLocks.set(db, release);
  return db;
}

const embeddedLocks = new WeakMap<Db, () => void>();

/** Closes the pool, and releases the embedded database's lock file. */
export async function closeDb(db: Db): Promise<void> {
  try {
    await db.destroy();
  } finally {
    embeddedLocks.get(db)?.();
    embeddedLocks.delete(db);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it.
 * A lock file beside it names the holder; a stale one (dead pid) is taken over.
 */
function lockEmbedded(dir: string): () => void {
  const lockPath = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DeskmailError('TEMPORARY', `the embedded database ${dir} is in use by another deskmail process (pid ${holder})`, 'stop it, or set DATABASE_URL to share a PostgreSQL database');
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DeskmailError('TEMPORARY', `cannot lock the embedded database ${dir}`);
}

export function isEmbedded(db: Db): boolean {
  return db.client.config.client !== 'pg';
}

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Loads the numbered files in migrations/ with import(), so ESM migrations work from src and dist alike. */
class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string) {}

  getMigrations(): Promise<string[]> {
    return Promise.resolve(readdirSync(this.dir).filter((f) => /^\d.*\.js$/.test(f)).sort());
  }

  getMigrationName(migration: string): string {
    return migration;
  }

  async getMigration(migration: string): Promise<Knex.Migration> {
    const mod = (await import(pathToFileURL(join(this.dir, migration)).href)) as MigrationModule;
    return { up: mod.up, down: mod.down };
  }
}

/**
 * Two gateways started at once on a fresh database race to create knex's own bookkeeping tables
 * (42P07 duplicate table, 23505 on its type) or find its migration lock taken: the loser waits and
 * tries again, and then finds the work done.
 */
function isConcurrentMigration(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '42P07' || code === '23505' || /already locked/i.test((err as Error | null)?.message ?? '');
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(db: Db): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [, applied] = (await db.migrate.latest({
        migrationSource: new FolderMigrationSource(join(packageRoot(), 'migrations')),
      })) as [number, string[]];
      return applied;
    } catch (err) {
      if (attempt < 20 && isConcurrentMigration(err)) {
        await new Promise((r) => setTimeout(r, 250 * Math.min(attempt, 4)));
        continue;
      }
      throw asDatabaseError(err, 'migrating the database');
    }
  }
}

/** Migrations not yet applied (deskmail doctor), without applying them. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  try {
    const [, pending] = (await db.migrate.list({ migrationSource: new FolderMigrationSource(join(packageRoot(), 'migrations')) })) as [unknown, unknown[]];
    return pending.map((p) => (typeof p === 'string' ? p : String((p as { file?: string; name?: string }).file ?? (p as { name?: string }).name ?? p)));
  } catch (err) {
    throw asDatabaseError(err, 'reading the migrations');
  }
}

/** One clear line for a database we cannot reach. */
export function asDatabaseError(err: unknown, doing: string): Error {
  if (err instanceof DeskmailError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '3D000', '28P01', '28000'].includes(code)) {
    const what = (err as Error).message.split('\n')[0] ?? String(err);
    return new DeskmailError('DATABASE', `database unreachable while ${doing}: ${what}`, 'check DATABASE_URL');
  }
  if (err instanceof Error && /Knex: Timeout acquiring a connection/.test(err.message)) {
    return new DeskmailError('DATABASE', `database unreachable while ${doing}: timed out connecting`, 'check DATABASE_URL');
  }
  return err instanceof Error ? err : new Error(String(err));
}
