import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DeskmailError } from './errors.js';
import { redactSecrets } from './log.js';
import { loadTrackers, type TrackerSet } from './tracker/config.js';

/** The only module that reads process.env: everything else receives a typed Config. */

export interface ImapSettings {
  secure: boolean;
  host: string;
  port: number;
  user: string;
  pass: string;
  mailbox: string;
  /** What to do with a message once it is stored: flag it \Seen, or move it to a folder. */
  afterStore: { kind: 'seen' } | { kind: 'move'; folder: string };
}

export interface SmtpSettings {
  secure: boolean;
  host: string;
  port: number;
  user: string | undefined;
  pass: string | undefined;
}

export type AgentAuthPolicy = 'dmarc' | 'token' | 'off';

export interface Config {
  dataDir: string;
  databaseUrl: string | undefined;
  imap: ImapSettings | undefined;
  smtp: SmtpSettings | undefined;
  helpdeskAddress: string;
  helpdeskName: string;
  ticketPrefix: string;
  pollIntervalSeconds: number;
  agentAuth: AgentAuthPolicy;
  trustedAuthservId: string | undefined;
  /** Shipped templates; an admin's override directory takes precedence file by file. */
  templatesDir: string;
  templatesOverrideDir: string | undefined;
  logLevel: string;
  /** Seed 001: an agent should hold at most this many open tickets (#assign past it works, and says so). */
  maxOpenPerAgent: number;
  /** A customer reply to a ticket closed longer ago than this opens a new ticket linked to the old one. */
  reopenWindowDays: number;
  /** How long after the survey a customer may rate (or change the rating of) a closed ticket. */
  csatWindowDays: number;
  /** How long a customer has to say a resolved ticket is not fixed (told in the resolved mail). */
  verifyWindowHours: number;
  /** VERIFY_WINDOW_HOURS was set: it overrides the SLA file's auto_close_after (else the file's value is used). */
  verifyWindowFromEnv: boolean;
  /** Where new tickets are announced for triage; the agents with role lead when unset. */
  triageAddress: string | undefined;
  /** Signs agents' reply addresses; generated and kept in the database when unset. */
  secret: string | undefined;
  /** A mail larger than this keeps its text but not its attachments, and the sender is told. */
  maxMessageBytes: number;
  /** Content-addressed attachment files. */
  attachmentsDir: string;
  /** The admin's triage rules (YAML); the shipped config/rules.yaml when unset. */
  rulesFile: string;
  /** SLA targets, business hours, timers and auto-assignment (YAML); the shipped config/sla.yaml when unset. */
  slaFile: string;
  /** The development trackers file (DESKMAIL_TRACKERS); unset = no tracker, #bug is refused. */
  trackersFile: string | undefined;
  trackers: TrackerSet | undefined;
  /** Fault injection for the crash tests (DESKMAIL_FAULT=exit-after-commit); never set in production. */
  faults: { exitAfterCommit: boolean };
  /** GET /healthz and /metrics; off when HEALTH_PORT is unset. */
  health: { port: number; host: string } | undefined;
  /** Fetching that has failed this long is a stall: /healthz says 503 and the admins get a mail. */
  fetchStallMinutes: number;
  /** Who gets operational alerts (fetch stalled); the agents with role admin when unset. */
  adminAddress: string | undefined;
  /** How long a sender holds a claimed outbox row; a sender that died frees its rows after this. */
  outboxLeaseSeconds: number;
}

/** The package root, found from this file whether it runs from src/ (tsx, vitest) or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    dir = dirname(dir);
  }
  throw new DeskmailError('CONFIG', 'cannot find the deskmail package root (package.json beside migrations/)');
}

const emailAddress = z.string().trim().toLowerCase().regex(/^[^\s@<>]+@[^\s@<>]+$/);

const envSchema = z.object({
  DATABASE_URL: z.string().optional(),
  DESKMAIL_DATA_DIR: z.string().default('./data'),
  IMAP_URL: z.string().optional(),
  IMAP_AFTER_STORE: z.string().default('seen'),
  SMTP_URL: z.string().optional(),
  HELPDESK_ADDRESS: z.string().default('support@localhost'),
  HELPDESK_NAME: z.string().default('Support'),
  TICKET_PREFIX: z.string().default('HD'),
  POLL_INTERVAL: z.string().default('30'),
  AGENT_AUTH: z.string().default('dmarc'),
  TRUSTED_AUTHSERV_ID: z.string().optional(),
  DESKMAIL_TEMPLATES_DIR: z.string().optional(),
  LOG_LEVEL: z.string().default('info'),
  DESKMAIL_FAULT: z.string().optional(),
  MAX_OPEN_PER_AGENT: z.string().default('3'),
  REOPEN_WINDOW_DAYS: z.string().default('14'),
  CSAT_WINDOW_DAYS: z.string().default('14'),
  VERIFY_WINDOW_HOURS: z.string().default('48'),
  TRIAGE_ADDRESS: z.string().optional(),
  DESKMAIL_SECRET: z.string().optional(),
  MAX_MESSAGE_MB: z.string().default('35'),
  DESKMAIL_ATTACHMENTS_DIR: z.string().optional(),
  DESKMAIL_RULES: z.string().optional(),
  DESKMAIL_SLA: z.string().optional(),
  DESKMAIL_TRACKERS: z.string().optional(),
  HEALTH_PORT: z.string().optional(),
  HEALTH_HOST: z.string().default('127.0.0.1'),
  FETCH_STALL_MINUTES: z.string().default('15'),
  ADMIN_ADDRESS: z.string().optional(),
  OUTBOX_LEASE_SECONDS: z.string().default('120'),
});

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseUrl(name: string, raw: string, protocols: string[]): URL {
  const shown = redactSecrets(raw);
  const expected = protocols.map((p) => `${p}//`).join(' or ');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DeskmailError('CONFIG', `${name} is not a valid ${expected} URL: ${shown}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new DeskmailError('CONFIG', `${name} is not a valid ${expected} URL: ${shown} (scheme ${url.protocol} not supported)`);
  }
  if (!url.hostname) throw new DeskmailError('CONFIG', `${name} is not a valid ${expected} URL: ${shown} (no host)`);
  return url;
}

function portOf(name: string, url: URL, fallback: number): number {
  if (!url.port) return fallback;
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DeskmailError('CONFIG', `${name} has an invalid port: ${url.port}`);
  return port;
}

export function parseImapUrl(raw: string, afterStore: string): ImapSettings {
  const url = parseUrl('IMAP_URL', raw, ['imap:', 'imaps:']);
  const secure = url.protocol === 'imaps:';
  const user = decodeURIComponent(url.username);
  if (!user) throw new DeskmailError('CONFIG', `IMAP_URL is not a valid imap:// URL: ${redactSecrets(raw)} (no user name)`);
  const mailbox = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX';
  let after: ImapSettings['afterStore'] = { kind: 'seen' };
  if (afterStore.startsWith('move:') && afterStore.length > 5) after = { kind: 'move', folder: afterStore.slice(5) };
  else if (afterStore !== 'seen') {
    throw new DeskmailError('CONFIG', `IMAP_AFTER_STORE must be "seen" or "move:FOLDER", got: ${afterStore}`);
  }
  return { secure, host: url.hostname, port: portOf('IMAP_URL', url, secure ? 993 : 143), user, pass: decodeURIComponent(url.password), mailbox, afterStore: after };
}

export function parseSmtpUrl(raw: string): SmtpSettings {
  const url = parseUrl('SMTP_URL', raw, ['smtp:', 'smtps:']);
  const secure = url.protocol === 'smtps:';
  return {
    secure,
    host: url.hostname,
    port: portOf('SMTP_URL', url, secure ? 465 : 587),
    user: url.username ? decodeURIComponent(url.username) : undefined,
    pass: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => nonEmpty(v) !== undefined)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DeskmailError('CONFIG', `invalid configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;

  const databaseUrl = nonEmpty(e.DATABASE_URL);
  if (databaseUrl) parseUrl('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);

  const address = emailAddress.safeParse(e.HELPDESK_ADDRESS);
  if (!address.success) throw new DeskmailError('CONFIG', `HELPDESK_ADDRESS is not an email address: ${e.HELPDESK_ADDRESS}`);

  if (!/^[A-Za-z][A-Za-z0-9]{0,15}$/.test(e.TICKET_PREFIX)) {
    throw new DeskmailError('CONFIG', `TICKET_PREFIX must be letters and digits starting with a letter, got: ${e.TICKET_PREFIX}`);
  }
  const poll = Number(e.POLL_INTERVAL);
  if (!Number.isFinite(poll) || poll <= 0) throw new DeskmailError('CONFIG', `POLL_INTERVAL must be a positive number of seconds, got: ${e.POLL_INTERVAL}`);

  const agentAuth = e.AGENT_AUTH.toLowerCase();
  if (agentAuth !== 'dmarc' && agentAuth !== 'token' && agentAuth !== 'off') {
    throw new DeskmailError('CONFIG', `AGENT_AUTH must be dmarc, token or off, got: ${e.AGENT_AUTH}`);
  }
  const imapUrl = nonEmpty(e.IMAP_URL);
  const smtpUrl = nonEmpty(e.SMTP_URL);
  if (agentAuth === 'off' && imapUrl) {
    throw new DeskmailError('CONFIG', 'AGENT_AUTH=off is only allowed in local mode (without IMAP_URL): anyone could command tickets by forging an agent\'s From');
  }
  const positive = (name: string, raw: string, integer: boolean): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new DeskmailError('CONFIG', `${name} must be a positive ${integer ? 'whole ' : ''}number, got: ${raw}`);
    return n;
  };
  const optionalAddress = (name: string, raw: string | undefined): string | undefined => {
    if (!nonEmpty(raw)) return undefined;
    const parsedAddress = emailAddress.safeParse(raw);
    if (!parsedAddress.success) throw new DeskmailError('CONFIG', `${name} is not an email address: ${raw}`);
    return parsedAddress.data;
  };
  const triageAddress = optionalAddress('TRIAGE_ADDRESS', e.TRIAGE_ADDRESS);
  const adminAddress = optionalAddress('ADMIN_ADDRESS', e.ADMIN_ADDRESS);
  let health: Config['health'];
  if (nonEmpty(e.HEALTH_PORT)) {
    const port = Number(e.HEALTH_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DeskmailError('CONFIG', `HEALTH_PORT must be a port number (0 picks a free one), got: ${e.HEALTH_PORT}`);
    health = { port, host: e.HEALTH_HOST };
  }

  const trackersFile = nonEmpty(e.DESKMAIL_TRACKERS) ? resolve(e.DESKMAIL_TRACKERS!) : undefined;
  const trackers = trackersFile ? loadTrackers(trackersFile) : undefined;
  if (trackers && !trackers.ok) throw new DeskmailError('CONFIG', trackers.error);

  return {
    dataDir: resolve(e.DESKMAIL_DATA_DIR),
    databaseUrl,
    imap: imapUrl ? parseImapUrl(imapUrl, e.IMAP_AFTER_STORE) : undefined,
    smtp: smtpUrl ? parseSmtpUrl(smtpUrl) : undefined,
    helpdeskAddress: address.data,
    helpdeskName: e.HELPDESK_NAME,
    ticketPrefix: e.TICKET_PREFIX.toUpperCase(),
    pollIntervalSeconds: poll,
    agentAuth,
    trustedAuthservId: nonEmpty(e.TRUSTED_AUTHSERV_ID),
    templatesDir: join(packageRoot(), 'templates'),
    templatesOverrideDir: e.DESKMAIL_TEMPLATES_DIR ? resolve(e.DESKMAIL_TEMPLATES_DIR) : undefined,
    logLevel: e.LOG_LEVEL,
    maxOpenPerAgent: positive('MAX_OPEN_PER_AGENT', e.MAX_OPEN_PER_AGENT, true),
    reopenWindowDays: positive('REOPEN_WINDOW_DAYS', e.REOPEN_WINDOW_DAYS, false),
    csatWindowDays: positive('CSAT_WINDOW_DAYS', e.CSAT_WINDOW_DAYS, false),
    verifyWindowHours: positive('VERIFY_WINDOW_HOURS', e.VERIFY_WINDOW_HOURS, false),
    verifyWindowFromEnv: nonEmpty(env.VERIFY_WINDOW_HOURS) !== undefined,
    triageAddress,
    secret: nonEmpty(e.DESKMAIL_SECRET),
    maxMessageBytes: Math.round(positive('MAX_MESSAGE_MB', e.MAX_MESSAGE_MB, false) * 1024 * 1024),
    rulesFile: e.DESKMAIL_RULES ? resolve(e.DESKMAIL_RULES) : join(packageRoot(), 'config', 'rules.yaml'),
    slaFile: e.DESKMAIL_SLA ? resolve(e.DESKMAIL_SLA) : join(packageRoot(), 'config', 'sla.yaml'),
    attachmentsDir: e.DESKMAIL_ATTACHMENTS_DIR ? resolve(e.DESKMAIL_ATTACHMENTS_DIR) : join(resolve(e.DESKMAIL_DATA_DIR), 'attachments'),
    faults: { exitAfterCommit: e.DESKMAIL_FAULT === 'exit-after-commit' },
    trackersFile,
    trackers: trackers?.ok ? trackers.trackers : undefined,
    health,
    fetchStallMinutes: positive('FETCH_STALL_MINUTES', e.FETCH_STALL_MINUTES, false),
    adminAddress,
    outboxLeaseSeconds: positive('OUTBOX_LEASE_SECONDS', e.OUTBOX_LEASE_SECONDS, true),
  };
}

/** Where local mode keeps its folders. */
export function localPaths(config: Config): { inbox: string; processed: string; outbox: string; db: string } {
  return {
    inbox: join(config.dataDir, 'inbox'),
    processed: join(config.dataDir, 'inbox', 'processed'),
    outbox: join(config.dataDir, 'outbox'),
    db: join(config.dataDir, 'db'),
  };
}
