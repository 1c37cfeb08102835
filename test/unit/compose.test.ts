import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, packageRoot, parseImapUrl, parseSmtpUrl } from '../../src/config.js';

/**
 * docker-compose.yml and the Dockerfile are how an operator tries deskmail without installing
 * anything. No Docker engine runs in the tests: the files are read and checked against the
 * project's own configuration parser instead.
 */
const ROOT = packageRoot();

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: string[] | Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string | string[] };
  volumes?: (string | { target?: string })[];
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services?: Record<string, ComposeService> };
const services = compose.services ?? {};

function service(name: string): ComposeService {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

/** A service's environment as a map, whichever of the two compose spellings it uses. */
function environmentOf(s: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(s.environment)) {
    for (const entry of s.environment) {
      const at = entry.indexOf('=');
      if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
    }
  } else {
    for (const [key, value] of Object.entries(s.environment ?? {})) if (value !== null) env[key] = String(value);
  }
  return env;
}

function dependsOn(s: ComposeService): Record<string, string | undefined> {
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([name, d]) => [name, d.condition]));
}

const deskmail = service('deskmail');
const env = environmentOf(deskmail);

describe('docker-compose.yml', () => {
  it('has the postgres, mail and deskmail services', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'mail', 'deskmail']));
  });

  it('runs PostgreSQL 16 with a health check', () => {
    expect(service('postgres').image).toMatch(/^postgres:16/);
    expect(service('postgres').healthcheck?.test).toBeDefined();
  });

  it('runs a real mail server image for IMAP and SMTP', () => {
    expect(service('mail').image).toMatch(/\S+:\S+/);
  });

  it('builds deskmail from the Dockerfile in this repository', () => {
    const build = deskmail.build;
    expect(build).toBeDefined();
    const context = resolve(ROOT, typeof build === 'string' ? build : (build?.context ?? '.'));
    const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build?.dockerfile ?? 'Dockerfile');
    expect(context).toBe(ROOT);
    expect(existsSync(join(context, dockerfile))).toBe(true);
  });

  it('starts deskmail only once PostgreSQL is healthy', () => {
    const deps = dependsOn(deskmail);
    expect(Object.keys(deps)).toContain('postgres');
    expect(deps['postgres']).toBe('service_healthy');
  });

  it('keeps deskmail’s data directory in a volume', () => {
    const targets = (deskmail.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    expect(targets).toContain('/app/data');
  });

  it('points DATABASE_URL at the postgres service', () => {
    const url = new URL(env['DATABASE_URL'] ?? '');
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    const pg = environmentOf(service('postgres'));
    expect(decodeURIComponent(url.username)).toBe(pg['POSTGRES_USER'] ?? 'postgres');
    if (pg['POSTGRES_PASSWORD']) expect(decodeURIComponent(url.password)).toBe(pg['POSTGRES_PASSWORD']);
    if (pg['POSTGRES_DB']) expect(url.pathname).toBe(`/${pg['POSTGRES_DB']}`);
  });

  it('points IMAP_URL at the mail service, as deskmail itself parses it', () => {
    expect(env['IMAP_URL']).toMatch(/^imap:\/\//);
    const imap = parseImapUrl(env['IMAP_URL']!, 'seen');
    expect(imap).toMatchObject({ secure: false, host: 'mail', mailbox: 'INBOX' });
    expect(imap.user).toBe(env['HELPDESK_ADDRESS']);
    expect(imap.pass).not.toBe('');
  });

  it('points SMTP_URL at the mail service, as deskmail itself parses it', () => {
    expect(env['SMTP_URL']).toMatch(/^smtp:\/\//);
    expect(parseSmtpUrl(env['SMTP_URL']!)).toMatchObject({ secure: false, host: 'mail' });
  });

  it('the IMAP login in IMAP_URL is one of the mail server’s documented users', () => {
    const imap = parseImapUrl(env['IMAP_URL']!, 'seen');
    const [local, domain] = imap.user.split('@');
    const mailEnv = JSON.stringify(environmentOf(service('mail')));
    expect(mailEnv).toContain(`${local}:${imap.pass}@${domain}`);
  });

  it('sets HELPDESK_ADDRESS, and the whole deskmail environment is a valid configuration', () => {
    expect(env['HELPDESK_ADDRESS']).toMatch(/^[^@\s]+@[^@\s]+$/);
    const config = loadConfig(env);
    expect(config.helpdeskAddress).toBe(env['HELPDESK_ADDRESS']);
    expect(config.databaseUrl).toBe(env['DATABASE_URL']);
    expect(config.imap?.host).toBe('mail');
    expect(config.smtp?.host).toBe('mail');
    expect(config.ticketPrefix).toBe(env['TICKET_PREFIX'] ?? 'HD');
    expect(config.pollIntervalSeconds).toBeGreaterThan(0);
  });

  it('health-checks deskmail on the port its configuration opens for /healthz', () => {
    const config = loadConfig(env);
    expect(config.health?.port).toBeGreaterThan(0);
    expect(config.health?.host).toBe('0.0.0.0');
    const test = deskmail.healthcheck?.test;
    const command = Array.isArray(test) ? test.join(' ') : (test ?? '');
    expect(command).toContain(`http://127.0.0.1:${config.health?.port}/healthz`);
  });
});

describe('Dockerfile', () => {
  const path = join(ROOT, 'Dockerfile');
  const source = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const instructions = source.split('\n').filter((line) => /^[A-Z]+\s/.test(line));

  it('exists beside docker-compose.yml', () => {
    expect(existsSync(path)).toBe(true);
  });

  it('builds on node:20-slim with npm ci and npm run build', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).every((l) => /^FROM node:20-slim\b/.test(l))).toBe(true);
    expect(source).toMatch(/^RUN npm ci\b/m);
    expect(source).toMatch(/^RUN npm run build\b/m);
  });

  it('runs as a user other than root', () => {
    const users = instructions.filter((l) => l.startsWith('USER ')).map((l) => l.slice(5).trim());
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('runs `deskmail run` from the built entry point the package publishes', () => {
    const cmd = instructions.filter((l) => l.startsWith('CMD ')).at(-1);
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd!.slice(4))).toEqual(['node', 'dist/src/main.js', 'run']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(pkg.bin?.['deskmail']).toBe('dist/src/main.js');
  });
});
