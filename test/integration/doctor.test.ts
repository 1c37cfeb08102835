import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { mailStack, uniqueAddress } from '../support/mail-client.js';
import { freshDatabase } from '../support/postgres.js';

/** `deskmail doctor` against the real stack: it says precisely which setting is wrong. */
describe('deskmail doctor', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await freshDatabase();
    const s = mailStack();
    env = { DATABASE_URL: database.url, IMAP_URL: s.imapUrl(support), SMTP_URL: s.smtpUrl(), HELPDESK_ADDRESS: support, DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-doctor-')) };
  });

  afterAll(async () => {
    await database?.drop();
  });

  const lineOf = (out: string, name: string): string => out.split('\n').find((l) => l.slice(5).startsWith(name)) ?? `(no ${name} line)`;

  it('passes every check with the right settings, and reports pending migrations', async () => {
    const r = await runCli(['doctor'], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lineOf(r.stdout, 'database')).toMatch(/^ok +database +PostgreSQL \(DATABASE_URL\): connected, \d+ migration\(s\) pending/);
    expect(lineOf(r.stdout, 'imap')).toMatch(new RegExp(`^ok +imap +${support.replace(/[.+]/g, '\\$&')} at 127\\.0\\.0\\.1:\\d+, mailbox INBOX exists, IDLE supported`));
    expect(lineOf(r.stdout, 'smtp')).toMatch(/^ok +smtp +127\.0\.0\.1:\d+ answers EHLO/);
    for (const name of ['helpdesk', 'templates', 'rules']) expect(lineOf(r.stdout, name)).toMatch(/^ok /);
    expect((await runCli(['migrate'], { env })).code).toBe(0);
    expect(lineOf((await runCli(['doctor'], { env })).stdout, 'database')).toContain('schema up to date');
  });

  it('tells a wrong password from an unreachable host and a missing mailbox, and exits 1', async () => {
    const s = mailStack();
    const wrongPassword = await runCli(['doctor'], { env: { ...env, IMAP_URL: s.imapUrl(support).replace(encodeURIComponent(s.password), 'not-the-password') } });
    expect(wrongPassword.code).toBe(1);
    expect(lineOf(wrongPassword.stdout, 'imap')).toMatch(/^FAIL imap +login refused for support-.* wrong user name or password/);
    expect(wrongPassword.stdout).not.toContain('not-the-password');
    expect(lineOf(wrongPassword.stdout, 'smtp')).toMatch(/^ok /);

    const missing = await runCli(['doctor'], { env: { ...env, IMAP_URL: s.imapUrl(support).replace('/INBOX', '/Tickets') } });
    expect(lineOf(missing.stdout, 'imap')).toMatch(/^FAIL imap +logged in as .*, but mailbox "Tickets" does not exist/);

    const unreachable = await runCli(['doctor'], { env: { ...env, IMAP_URL: `imap://u:p@127.0.0.1:1/INBOX`, SMTP_URL: 'smtp://127.0.0.1:1', DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/x' } });
    expect(unreachable.code).toBe(1);
    expect(lineOf(unreachable.stdout, 'imap')).toMatch(/^FAIL imap +cannot reach 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(lineOf(unreachable.stdout, 'smtp')).toMatch(/^FAIL smtp +cannot reach 127\.0\.0\.1:1/);
    expect(lineOf(unreachable.stdout, 'database')).toMatch(/^FAIL database +PostgreSQL \(DATABASE_URL\): cannot reach the server \(ECONNREFUSED\)/);
    expect(unreachable.stdout).not.toContain('secret');
    // Only doctor's own lines: knex's "Acquire connection error" and its stack stay out of the output.
    expect(unreachable.stdout).not.toContain('Acquire connection error');
    for (const line of unreachable.stdout.trimEnd().split('\n')) expect(line).toMatch(/^(ok {2}|FAIL) \S/);
    expect(unreachable.stderr).toBe('');
  });
});
