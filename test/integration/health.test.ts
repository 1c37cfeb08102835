import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openContext, type AppContext } from '../../src/context.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';
import { FetchStatus } from '../../src/ingress/fetch-status.js';
import { silentLogger } from '../../src/log.js';
import { upsertAgent } from '../../src/store/agents.js';
import { Leadership } from '../../src/store/leader.js';
import { checkStall } from '../../src/workflow/stall-alert.js';
import { freshDatabase } from '../support/postgres.js';
import { mailStack, rawMail, sendRaw, uniqueAddress, waitFor, waitForMailbox } from '../support/mail-client.js';

async function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.text() };
}

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : undefined;
}

describe('health, metrics and the stall alert on the real stack', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const customer = uniqueAddress('hana', 'example.test');
  const admin = uniqueAddress('admin', 'example.test');
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  const running: { ctx: AppContext; gateway: RunningGateway }[] = [];

  async function start(env: Record<string, string>): Promise<{ ctx: AppContext; gateway: RunningGateway; base: string }> {
    const s = mailStack();
    const config = loadConfig({
      DATABASE_URL: database.url,
      IMAP_URL: s.imapUrl(support),
      SMTP_URL: s.smtpUrl(),
      HELPDESK_ADDRESS: support,
      POLL_INTERVAL: '2',
      HEALTH_PORT: '0',
      DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-health-')),
      ...env,
    });
    const ctx = await openContext(config, silentLogger());
    const gateway = startGateway(ctx);
    running.push({ ctx, gateway });
    const address = await gateway.httpAddress;
    if (!address) throw new Error('health server did not start');
    return { ctx, gateway, base: `http://127.0.0.1:${address.port}` };
  }

  beforeAll(async () => {
    database = await freshDatabase();
  });

  afterAll(async () => {
    for (const r of running.reverse()) {
      await r.gateway.stop();
      await r.ctx.close();
    }
    await database?.drop();
  });

  it('says healthy, leads the mailbox, and counts an ingested mail and the outbox', async () => {
    const { base, gateway } = await start({});
    await waitFor('the lead', async () => (JSON.parse((await get(base, '/healthz')).body) as { mailboxes: { role: string }[] }).mailboxes[0]?.role === 'leader' || undefined);
    await sendRaw(rawMail({ from: customer, to: support, subject: 'Count me', messageId: `${customer}-1`, body: 'hello' }), { from: customer, to: [support] });
    await waitForMailbox(customer, (m) => m.length === 1);

    const health = await get(base, '/healthz');
    expect(health.status).toBe(200);
    const report = JSON.parse(health.body) as { ok: boolean; database: string; mailboxes: { role: string; lastSuccessAt: string | null }[] };
    expect(report).toMatchObject({ ok: true, database: 'ok' });
    expect(report.mailboxes[0]?.lastSuccessAt).not.toBeNull();

    const metrics = (await get(base, '/metrics')).body;
    expect(metricValue(metrics, 'deskmail_messages_ingested_total{outcome="stored"}')).toBe(1);
    expect(metricValue(metrics, 'deskmail_outbox_depth')).toBe(0);
    expect(metricValue(metrics, 'deskmail_quarantine_held')).toBe(0);
    expect(metrics).toMatch(/deskmail_fetch_leader\{mailbox="imap:support-[^"]+"\} 1/);
    expect(metrics).toMatch(/deskmail_last_fetch_success_timestamp_seconds\{mailbox="[^"]+"\} \d{10}/);
    expect(metrics).toContain('deskmail_send_failures_total{kind="retry"} 0');

    expect((await get(base, '/nothing')).status).toBe(404);
    // Another module can add a route (e.g. a webhook) to the same server.
    gateway.http!.register(async (req, res) => {
      if (req.url !== '/hooks/test') return false;
      res.end('hooked');
      return true;
    });
    expect((await get(base, '/hooks/test')).body).toBe('hooked');
  });

  it('answers 503 and mails the admins once when the IMAP password is refused', async () => {
    const s = mailStack();
    const wrong = s.imapUrl(support).replace(encodeURIComponent(s.password), 'wrong-password');
    // A second gateway of its own (another mailbox key): it leads its own key and fails to log in.
    const { base } = await start({ IMAP_URL: wrong.replace('/INBOX', '/Archive'), ADMIN_ADDRESS: admin, FETCH_STALL_MINUTES: '0.05' });
    const health = await waitFor('a 503', async () => {
      const h = await get(base, '/healthz');
      return h.status === 503 ? h : undefined;
    });
    expect(JSON.parse(health.body)).toMatchObject({ ok: false, problems: [expect.stringMatching(/IMAP authentication failed .*Archive/)] });
    const alerts = await waitForMailbox(admin, (m) => m.length >= 1);
    expect(alerts[0]!.headers.get('subject')).toMatch(/Mail fetching has stopped: imap:.*Archive/);
    expect(alerts[0]!.source).toContain('deskmail doctor');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await waitForMailbox(admin, () => true)).length).toBe(1);
  });

  it('alerts once per stall and says once when fetching resumes', async () => {
    const ctx = running[0]!.ctx;
    await upsertAgent(ctx.db, { email: 'boss@example.test', name: 'Boss', role: 'admin', skills: [] });
    const deps = { db: ctx.db, config: { ...ctx.config, fetchStallMinutes: 1, adminAddress: undefined }, renderer: ctx.renderer, sender: ctx.sender, log: silentLogger() };
    const status = new FetchStatus('imap:test@example/INBOX', true);
    const later = (min: number): Date => new Date(Date.now() + min * 60_000);
    status.failed('connect ECONNREFUSED 127.0.0.1:1', false);
    expect(await checkStall(deps, status, later(0.5))).toBeUndefined();
    expect(await checkStall(deps, status, later(2))).toBe('alerted');
    expect(await checkStall(deps, status, later(3))).toBeUndefined();
    status.succeeded();
    expect(await checkStall(deps, status)).toBe('recovered');
    expect(await checkStall(deps, status)).toBeUndefined();
    const rows = (await ctx.db('outbox').where({ kind: 'fetch_stalled' }).whereRaw('to_addresses::text like ?', ['%boss@example.test%']).orderBy('id')) as { subject: string; text_body: string }[];
    expect(rows.map((r) => r.subject)).toEqual(['[Support] Mail fetching has stopped: imap:test@example/INBOX', '[Support] Mail fetching resumed: imap:test@example/INBOX']);
    expect(rows[0]!.text_body).toContain('ECONNREFUSED');
  });

  it('gives the lead to one gateway at a time and hands it over when the leader goes', async () => {
    const changes: string[] = [];
    const make = (name: string): Leadership =>
      new Leadership({ databaseUrl: database.url, key: 'test-key', log: silentLogger(), intervalMs: 200, onChange: async (lead) => void changes.push(`${name}:${lead ? 'lead' : 'follow'}`) });
    const a = make('a');
    const b = make('b');
    a.start();
    await waitFor('a leads', async () => a.isLeader || undefined);
    b.start();
    await new Promise((r) => setTimeout(r, 800));
    expect(b.isLeader).toBe(false);
    await a.stop();
    await waitFor('b leads', async () => b.isLeader || undefined, 5000);
    await b.stop();
    expect(changes).toEqual(['a:lead', 'a:follow', 'b:lead', 'b:follow']);
  });
});
