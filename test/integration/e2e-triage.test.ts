import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView } from '../../src/cli/tickets.js';
import { loadConfig } from '../../src/config.js';
import { openContext, type AppContext } from '../../src/context.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { upsertAgent } from '../../src/store/agents.js';
import { freshDatabase } from '../support/postgres.js';
import { mailStack, rawMail, sendRaw, uniqueAddress, waitFor, waitForMailbox } from '../support/mail-client.js';

/** The shipped triage rules on the real stack: an outage is P1 Technical Issues, phishing goes straight to the leads. */
describe('triage rules on arrival', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const customer = uniqueAddress('hank', 'example.test');
  const lead = uniqueAddress('lara', 'example.test');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: AppContext;
  let gateway: RunningGateway;

  beforeAll(async () => {
    db = await freshDatabase();
    const s = mailStack();
    ctx = await openContext(
      loadConfig({ DATABASE_URL: db.url, IMAP_URL: s.imapUrl(support), SMTP_URL: s.smtpUrl(), HELPDESK_ADDRESS: support, POLL_INTERVAL: '5', DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-triage-')) }),
      silentLogger(),
    );
    await upsertAgent(ctx.db, { email: lead, name: 'Lara Lead', role: 'lead', skills: [] });
    gateway = startGateway(ctx);
  });
  afterAll(async () => {
    await gateway?.stop();
    await ctx?.close();
    await db?.drop();
  });

  const ticket = (ref: string) => waitFor(ref, async () => ticketView(ctx.db, ref).catch(() => undefined));

  it('a "server down" mail becomes P1 Technical Issues, with the rules in its decision record', async () => {
    await sendRaw(rawMail({ from: customer, to: support, subject: 'Our server is down', messageId: 'hank-1@example.test', body: 'Production has been down for all users since 9:00.' }), { from: customer, to: [support] });
    const t = await ticket('HD-1');
    expect(t.priority).toBe('P1');
    expect(t.category).toBe('Technical Issues');
    const decisions = t.messages[0]!.decisions;
    expect(decisions.some((d) => d.stage === 'rules' && /P1/.test(d.reason))).toBe(true);
  });

  it('a mail about phishing is Security, P1, and escalated to the leads at once', async () => {
    await sendRaw(rawMail({ from: customer, to: support, subject: 'Possible phishing mail received', messageId: 'hank-2@example.test', body: 'I got a mail asking for my password, it looks like phishing.' }), { from: customer, to: [support] });
    const t = await ticket('HD-2');
    expect(t.category).toBe('Security');
    expect(t.priority).toBe('P1');
    expect(t.tags).toEqual(expect.arrayContaining(['security', 'escalated']));
    expect(t.events.map((e) => e.type)).toContain('escalated');
    const toLead = await waitForMailbox(lead, (m) => m.some((x) => (x.headers.get('subject') ?? '').includes('[HD-2]') && /escalat/i.test(x.headers.get('subject') ?? '')));
    expect(toLead.length).toBeGreaterThanOrEqual(1);
  });
});
