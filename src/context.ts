import { join } from 'node:path';
import { localPaths, type Config } from './config.js';
import type { Logger } from './log.js';
import type { Sender } from './outbox/enqueue.js';
import { TemplateRenderer } from './outbox/render.js';
import { closeDb, migrate, openDb, type Db } from './store/db.js';
import { signingSecret } from './store/settings.js';
import { loadRules } from './rules-file.js';
import type { RuleSet } from './ticket/rules.js';
import { DeskmailError } from './errors.js';
import type { SlaSettings } from './ticket/sla.js';
import { slaSettingsFromFile } from './sla-file.js';

/** What a running command needs, built once from the Config at the edge. */
export interface AppContext {
  config: Config;
  log: Logger;
  db: Db;
  renderer: TemplateRenderer;
  sender: Sender;
  /** Signs agents' reply addresses (DESKMAIL_SECRET, or generated once in the database). */
  secret: string;
  /** SLA targets and timer settings. */
  sla: SlaSettings;
  /** The triage rules in force; the gateway swaps in a watcher that reloads them. */
  rules: () => RuleSet;
  /** Migrations this start applied (deskmail migrate reports them). */
  appliedMigrations: string[];
  close(): Promise<void>;
}

export function senderIdentity(config: Config): Sender {
  return {
    helpdeskAddress: config.helpdeskAddress,
    helpdeskName: config.helpdeskName,
    // One dedupe scope per helpdesk address: a Message-ID is stored once, whichever way it came in.
    mailbox: config.helpdeskAddress,
    loopToken: config.helpdeskAddress,
  };
}

export function templateDirs(config: Config): string[] {
  return config.templatesOverrideDir ? [config.templatesOverrideDir, config.templatesDir] : [config.templatesDir];
}

export function databaseLabel(config: Config): string {
  return config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${localPaths(config).db}`;
}

/** Opens the database (applying pending migrations first: everything below needs the schema) and loads templates and rules. */
export async function openContext(config: Config, log: Logger): Promise<AppContext> {
  const db = openDb({ databaseUrl: config.databaseUrl, embeddedDir: config.databaseUrl ? undefined : join(config.dataDir, 'db') });
  try {
    const applied = await migrate(db);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    const renderer = new TemplateRenderer(templateDirs(config));
    const loaded = loadRules(config.rulesFile);
    if (!loaded.ok) throw new DeskmailError('CONFIG', loaded.error, 'run: deskmail rules check');
    const secret = await signingSecret(db, config.secret);
    return { config, log, db, renderer, sender: senderIdentity(config), secret, sla: slaSettingsFromFile(config), rules: () => loaded.rules, appliedMigrations: applied, close: () => closeDb(db) };
  } catch (err) {
    await closeDb(db).catch(() => undefined);
    throw err;
  }
}

/** What `deskmail run` tells the person who started it: where mail comes from and goes to. */
export function describeRun(ctx: AppContext, health?: { address: string; port: number }): string {
  const { config } = ctx;
  const paths = localPaths(config);
  return [
    `deskmail is running for ${config.helpdeskAddress} (Ctrl-C to stop)`,
    `  database: ${databaseLabel(config)}`,
    config.imap
      ? `  inbound:  IMAP ${config.imap.host}:${config.imap.port}, folder ${config.imap.mailbox}`
      : `  inbound:  local mode: drop raw mail (.eml) into ${paths.inbox}; handled files move to ${paths.processed}`,
    config.smtp ? `  outbound: SMTP ${config.smtp.host}:${config.smtp.port}` : `  outbound: local mode: notifications are written as .eml files to ${paths.outbox}`,
    ...(config.health ? [healthLine(config.health, health)] : []),
    `  tickets:  deskmail tickets list   (or npx deskmail tickets list)`,
  ].join('\n');
}

/** Where the health server really listens (HEALTH_PORT=0 picks a port), or that it could not. */
function healthLine(wanted: { port: number; host: string }, bound: { address: string; port: number } | undefined): string {
  if (!bound) return `  health:   not serving: could not listen on ${wanted.host}:${wanted.port} (see the log)`;
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  return `  health:   http://${host}:${bound.port}/healthz  (metrics: /metrics)`;
}
