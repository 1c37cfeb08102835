import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { csatAddress } from '../../src/mail/csat.js';
import { receiveMail, type ReceiveDeps } from '../../src/receive.js';
import type { Report } from '../../src/report/kpis.js';
import { upsertAgent } from '../../src/store/agents.js';
import { closeDb, migrate, openDb } from '../../src/store/db.js';
import { runCli } from '../support/cli.js';
import { dumpDom, ensureChromium } from '../support/chromium.js';
import { testDeps } from '../support/deps.js';
import { freshDatabase } from '../support/postgres.js';
import { rawMessage } from '../support/raw-mail.js';

/**
 * `deskmail report` as an operator runs it, on PostgreSQL with a history made by the real
 * pipeline: --json figures, a bad --since, the HTML page rendered in headless Chromium, and the
 * weekly digest queued to the leads.
 */
describe('deskmail report', () => {
  const support = 'support@helpdesk.test';
  const agent = 'bob@example.test';
  const lead = 'lena@example.test';
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let deps: ReceiveDeps;
  let n = 0;
  const dir = mkdtempSync(join(tmpdir(), 'deskmail-report-'));
  const env = (): Record<string, string> => ({ DATABASE_URL: db.url, HELPDESK_ADDRESS: support, HELPDESK_NAME: 'Acme Support', DESKMAIL_DATA_DIR: dir });

  async function mail(from: string, subject: string, body: string, to = support): Promise<string | undefined> {
    const r = await receiveMail(deps, rawMessage([`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <report-${++n}@example.test>`], body), { source: 'test' });
    return r.ticketRef;
  }

  beforeAll(async () => {
    db = await freshDatabase();
    const knex = openDb({ databaseUrl: db.url, embeddedDir: undefined });
    await migrate(knex);
    deps = testDeps(knex, loadConfig({ ...env(), AGENT_AUTH: 'off' }));
    await upsertAgent(knex, { email: agent, name: 'Bob Agent', role: 'agent', skills: [] });
    await upsertAgent(knex, { email: lead, name: 'Lena Lead', role: 'lead', skills: [] });

    // HD-1: answered once and resolved with a prevention note, closed, rated 5 → first contact.
    await mail('ann@example.test', 'VPN drops', 'Every hour.');
    await mail(agent, 'Re: [HD-1] VPN drops', '#assign me\n#resolve Idle timeout raised; documented in the VPN FAQ\n#kb VPN idle timeout article\nRaised the idle timeout, it should hold now.');
    await mail(agent, 'Re: [HD-1] VPN drops', '#close');
    await mail('ann@example.test', 'Rating 5 [HD-1]', 'Great service', csatAddress(support, 'test-secret', 'HD-1', 5));
    // HD-2: closed without a prevention note, escalated first.
    await mail('cat@example.test', 'Printer on fire', 'Smoke!');
    await mail(agent, 'Re: [HD-2] Printer on fire', '#assign me\n#escalate needs facilities\n#note');
    await mail(agent, 'Re: [HD-2] Printer on fire', '#close');
    // HD-3: still open.
    await mail('dan@example.test', 'New laptop', 'When does it arrive?');
    await closeDb(knex);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('--json prints the KPIs with the seed 003 targets and the lists to act on', async () => {
    const r = await runCli(['report', '--json'], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.tickets).toEqual({ created: 3, resolved: 2 });
    expect(report.firstContactResolution).toMatchObject({ count: 2, total: 2, target: '> 70 %', met: true });
    expect(report.escalation).toMatchObject({ count: 1, total: 3, target: '< 15 %', met: false });
    expect(report.reopened).toMatchObject({ count: 0, target: '< 5 %', met: true });
    expect(report.csat).toMatchObject({ responses: 1, surveysSent: 2, average: 5, satisfied: { rate: 1, target: '> 90 %', met: true } });
    expect(report.backlog.total).toBe(1);
    expect(report.firstResponse.overall.count).toBe(1);
    expect(report.withoutPrevention.map((t) => t.ref)).toEqual(['HD-2']);
    expect(report.kbCandidates).toEqual([{ ref: 'HD-1', subject: 'VPN drops', note: 'VPN idle timeout article' }]);
    expect(report.agents.find((a) => a.email === agent)).toMatchObject({ resolved: 2, open: 0, csatAverage: 5 });
  });

  it('prints the figures for a person by default, and refuses a bad --since in one line', async () => {
    const text = await runCli(['report', '--since', '2020-01-01'], { env: env() });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('First-contact resolution  100 %  (2/2)  target > 70 %  ✓ met');
    const bad = await runCli(['report', '--since', 'last tuesday'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['deskmail: --since needs a date like 2026-11-01, got: last tuesday']);
  });

  it('--html writes a page that headless Chromium renders with its charts', async () => {
    const chromium = ensureChromium();
    const file = join(dir, 'report.html');
    const r = await runCli(['report', '--html', file], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`report written to ${file}`);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toMatch(/<script|src="http|href="http/);
    const dom = dumpDom(chromium, file, mkdtempSync(join(tmpdir(), 'deskmail-chromium-')));
    expect(dom).toContain('Acme Support: helpdesk report');
    expect((dom.match(/<svg class="chart/g) ?? []).length).toBeGreaterThanOrEqual(10);
    expect(dom).toMatch(/<figure class="tile" id="kpi-fcr">[\s\S]*?<rect/);
    expect(dom).toContain('id="chart-backlog-status"');
    expect(dom).toContain('HD-2</strong> Printer on fire');
  });

  it('--mail queues the weekly digest to the leads through the outbox', async () => {
    const r = await runCli(['report', '--mail'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`weekly digest queued to ${lead}`);
    const knex = openDb({ databaseUrl: db.url, embeddedDir: undefined });
    try {
      const row = (await knex('outbox').where({ kind: 'weekly_digest' }).first()) as { to_addresses: string[]; subject: string; text_body: string; headers: Record<string, string> };
      expect(row.to_addresses).toEqual([lead]);
      expect(row.subject).toMatch(/^Acme Support weekly digest: /);
      expect(row.text_body).toContain('First-contact resolution: 100 % (2/2)   (target > 70 %, met)');
      expect(row.headers['Auto-Submitted']).toBe('auto-generated');
    } finally {
      await closeDb(knex);
    }
  });
});
