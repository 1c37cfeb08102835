import { join } from 'node:path';
import { localPaths, loadConfig, type Config } from '../config.js';
import { databaseLabel, templateDirs } from '../context.js';
import { checkImap, type CheckResult } from '../ingress/imap-check.js';
import { redactSecrets } from '../log.js';
import { TemplateRenderer } from '../outbox/render.js';
import { checkSmtp } from '../outbox/smtp-check.js';
import { loadRules } from '../rules-file.js';
import { checkTrackers } from '../tracker/config.js';
import { closeDb, openDb, pendingMigrations } from '../store/db.js';

interface NamedCheck extends CheckResult {
  name: string;
}

const firstLine = (err: unknown): string => redactSecrets(((err as Error).message ?? String(err)).split('\n')[0] ?? '');

/** PostgreSQL's error codes and the socket's, turned into what the operator should fix. */
function describeDbFailure(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case '28P01':
    case '28000':
      return `login refused: wrong user name or password in DATABASE_URL (${firstLine(err)})`;
    case '3D000':
      return `the database does not exist: ${firstLine(err)} (create it, e.g. createdb)`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `cannot reach the server (${e.code}): host unreachable or nothing listening on that port`;
    default:
      return /Timeout acquiring a connection/.test(e.message ?? '') ? 'cannot reach the server: timed out connecting' : firstLine(err);
  }
}

async function checkDatabase(config: Config): Promise<CheckResult> {
  let db;
  try {
    db = openDb({ databaseUrl: config.databaseUrl, embeddedDir: config.databaseUrl ? undefined : join(config.dataDir, 'db') });
  } catch (err) {
    return { ok: false, detail: firstLine(err) };
  }
  try {
    await db.raw('SELECT 1');
    const pending = await pendingMigrations(db);
    const migrations = pending.length === 0 ? 'schema up to date' : `${pending.length} migration(s) pending (${pending.join(', ')}): deskmail run or deskmail migrate applies them`;
    return { ok: true, detail: `${databaseLabel(config)}: connected, ${migrations}` };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    return { ok: false, detail: `${databaseLabel(config)}: ${describeDbFailure(cause)}` };
  } finally {
    await closeDb(db).catch(() => undefined);
  }
}

function checkHelpdeskAddress(config: Config): CheckResult {
  if (config.imap && config.helpdeskAddress === 'support@localhost') {
    return { ok: false, detail: 'HELPDESK_ADDRESS is unset (support@localhost): customers would be told to write to an address that does not exist; set it to the mailbox IMAP_URL reads' };
  }
  const user = config.imap?.user.toLowerCase();
  const note = user && user.includes('@') && user !== config.helpdeskAddress ? ` (IMAP user is ${user}: make sure mail to ${config.helpdeskAddress} lands in that mailbox)` : '';
  return { ok: true, detail: `${config.helpdeskAddress}${note}` };
}

function checkTemplates(config: Config): CheckResult {
  try {
    const renderer = new TemplateRenderer(templateDirs(config));
    return { ok: true, detail: `${renderer.names().length} notifications load from ${templateDirs(config).join(' over ')}` };
  } catch (err) {
    return { ok: false, detail: firstLine(err) };
  }
}

function checkRules(config: Config): CheckResult {
  const loaded = loadRules(config.rulesFile);
  return loaded.ok ? { ok: true, detail: `${config.rulesFile} loads` } : { ok: false, detail: loaded.error };
}

/**
 * `deskmail doctor`: every setting a gateway needs, tried for real, one line each with what is
 * wrong. Returns the lines and whether all passed (exit 1 otherwise).
 */
export async function doctor(env?: Record<string, string | undefined>): Promise<{ lines: string[]; ok: boolean }> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    return { lines: [`FAIL config     ${firstLine(err)}`], ok: false };
  }
  const paths = localPaths(config);
  const [database, imap, smtp] = await Promise.all([
    checkDatabase(config),
    config.imap ? checkImap(config.imap) : Promise.resolve({ ok: true, detail: `not configured: local mode reads ${paths.inbox}` }),
    config.smtp ? checkSmtp(config.smtp) : Promise.resolve({ ok: true, detail: `not configured: local mode writes ${paths.outbox}` }),
  ]);
  const checks: NamedCheck[] = [
    { name: 'config', ok: true, detail: 'environment parsed' },
    { name: 'database', ...database },
    { name: 'imap', ...imap },
    { name: 'smtp', ...smtp },
    { name: 'helpdesk', ...checkHelpdeskAddress(config) },
    { name: 'templates', ...checkTemplates(config) },
    { name: 'rules', ...checkRules(config) },
    ...checkTrackers(config).map((c) => ({ name: 'trackers', ok: c.ok, detail: c.line })),
  ];
  return { lines: checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(10)}${redactSecrets(c.detail)}`), ok: checks.every((c) => c.ok) };
}
