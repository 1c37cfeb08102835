import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView, type TicketView } from '../../src/cli/tickets.js';
import { loadConfig } from '../../src/config.js';
import { openContext, type AppContext } from '../../src/context.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { upsertAgent } from '../../src/store/agents.js';
import { freshDatabase } from '../support/postgres.js';
import { mailStack, rawMail, readMailbox, sendRaw, uniqueAddress, waitFor, waitForMailbox } from '../support/mail-client.js';

const AUTHSERV = 'mx.helpdesk.test';

/**
 * The mail-in tracker on the real stack: an agent's #bug sends a report to the tracker's mailbox
 * (read over IMAP); the tracker's answers (From its address, by plus address or item key) come
 * back as internal notes and tell the assignee; "done" puts the ticket back in progress.
 */
describe('bugs to a mail-in tracker and back', () => {
  const support = uniqueAddress('support', 'helpdesk.test');
  const customer = uniqueAddress('carol', 'example.test');
  const agent = uniqueAddress('bob', 'example.test');
  const jira = uniqueAddress('jira', 'example.test');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let ctx: AppContext;
  let gateway: RunningGateway;
  let seq = 0;

  async function mailFrom(from: string, to: string, subject: string, body: string, headers: string[] = []): Promise<void> {
    await sendRaw(rawMail({ from, to, subject, messageId: `tracker-${++seq}-${Date.now()}@example.test`, body, extraHeaders: headers }), { from, to: [to] });
  }
  const ticketAfter = (ref: string, predicate: (t: TicketView) => boolean): Promise<TicketView> =>
    waitFor(`${ref} to change`, async () => {
      const t = await ticketView(ctx.db, ref).catch(() => undefined);
      return t && predicate(t) ? t : undefined;
    });

  beforeAll(async () => {
    db = await freshDatabase();
    const s = mailStack();
    const dir = mkdtempSync(join(tmpdir(), 'deskmail-tracker-'));
    writeFileSync(join(dir, 'trackers.yaml'), `trackers:\n  jira:\n    kind: mail\n    address: ${jira}\n    key_pattern: 'APP-\\d+'\n`);
    ctx = await openContext(
      loadConfig({ DATABASE_URL: db.url, IMAP_URL: s.imapUrl(support), SMTP_URL: s.smtpUrl(), HELPDESK_ADDRESS: support, HELPDESK_NAME: 'Acme Support', TRUSTED_AUTHSERV_ID: AUTHSERV, POLL_INTERVAL: '5', DESKMAIL_DATA_DIR: dir, DESKMAIL_TRACKERS: join(dir, 'trackers.yaml') }),
      silentLogger(),
    );
    await upsertAgent(ctx.db, { email: agent, name: 'Bob Agent', role: 'agent', skills: [] });
    gateway = startGateway(ctx);
  });

  afterAll(async () => {
    await gateway?.stop();
    await ctx?.close();
    await db?.drop();
  });

  it('files the bug report in the tracker\'s mailbox, answerable through the plus address', async () => {
    await mailFrom(customer, support, 'Export crashes', 'Hello,\nExporting to CSV crashes the app every time.\n\n> an old quote that must not travel\n');
    await ticketAfter('HD-1', () => true);
    await mailFrom(agent, support, 'Re: [HD-1] Export crashes', '#assign me\n#bug Export to CSV crashes\n1. open any report\n2. click Export', [`Authentication-Results: ${AUTHSERV}; dkim=pass header.d=example.test; dmarc=pass header.from=example.test`]);
    const t = await ticketAfter('HD-1', (x) => x.status === 'waiting_third_party');
    expect(t.category).toBe('Bug');
    expect(t.bugs).toEqual([{ key: null, tracker: 'jira', status: 'filed', summary: 'Export to CSV crashes' }]);

    const [report] = await waitForMailbox(jira, (m) => m.length >= 1);
    expect(report!.headers.get('subject')).toBe('[HD-1] Export to CSV crashes');
    expect(report!.headers.get('reply-to')).toContain(support.replace('@', '+HD-1@'));
    expect(report!.headers.get('auto-submitted')).toBeUndefined(); // Jira's mail handler ignores auto-generated mail
    expect(report!.source).toContain('Exporting to CSV crashes the app every time.');
    expect(report!.source).toContain('2. click Export');
    expect(report!.source).not.toContain('an old quote');
  });

  it('threads the tracker\'s answer back as an internal note, learns the key, tells the assignee and never answers', async () => {
    const customerBefore = (await readMailbox(customer)).length;
    await mailFrom(jira, support.replace('@', '+HD-1@'), '[JIRA] (APP-12) Export to CSV crashes', 'Issue APP-12 was created in project APP.', ['Auto-Submitted: auto-generated', 'Precedence: bulk']);
    const t = await ticketAfter('HD-1', (x) => x.bugs[0]?.key === 'APP-12');
    const note = t.messages.find((m) => m.from === jira)!;
    expect(note.direction).toBe('note');
    expect(note.decisions.some((d) => d.stage === 'bug' && d.verdict === 'key APP-12')).toBe(true);
    expect(t.status).toBe('waiting_third_party');
    const told = await waitForMailbox(agent, (m) => m.some((x) => /Development update \(APP-12\)/.test(x.headers.get('subject') ?? '')));
    expect(told.length).toBeGreaterThan(0);
    expect((await readMailbox(jira)).length).toBe(1); // no acknowledgment to the tracker
    expect((await readMailbox(customer)).length).toBe(customerBefore);
  });

  it('"done" (found by the item key alone) puts the ticket back in progress and asks the assignee to verify', async () => {
    await mailFrom(jira, support, '[JIRA] (APP-12) Export to CSV crashes', 'Dev Dan changed the status to Done.\nResolution: Fixed', ['Auto-Submitted: auto-generated']);
    const t = await ticketAfter('HD-1', (x) => x.status === 'in_progress');
    expect(t.bugs[0]!.status).toBe('done');
    expect(t.events.map((e) => e.type)).toEqual(expect.arrayContaining(['bug_update', 'bug_done']));
    const mails = await waitForMailbox(agent, (m) => m.some((x) => /Fixed in development \(APP-12\)/.test(x.headers.get('subject') ?? '')));
    expect(mails.find((x) => /Fixed in development/.test(x.headers.get('subject') ?? ''))!.source).toMatch(/verify the fix/);
  });
});
