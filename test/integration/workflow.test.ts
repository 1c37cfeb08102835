import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView } from '../../src/cli/tickets.js';
import { loadConfig } from '../../src/config.js';
import { receiveMail, type ReceiveDeps } from '../../src/receive.js';
import { upsertAgent } from '../../src/store/agents.js';
import { closeDb, migrate, openDb } from '../../src/store/db.js';
import { listOutbox } from '../../src/store/outbox.js';
import { rawMessage } from '../support/raw-mail.js';
import { testDeps } from '../support/deps.js';

/**
 * Lifecycle rules that need a clock or several tickets, on the embedded database (the same
 * migrations and code as PostgreSQL): follow-ups of long-closed tickets, merge, spam, local mode.
 */
describe('ticket workflow (embedded PGlite)', () => {
  let deps: ReceiveDeps;
  let n = 0;
  const support = 'support@helpdesk.test';
  const agent = 'bob@example.test';

  beforeAll(async () => {
    const db = openDb({ databaseUrl: undefined, embeddedDir: undefined });
    await migrate(db);
    const config = loadConfig({ HELPDESK_ADDRESS: support, AGENT_AUTH: 'off', DESKMAIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'deskmail-wf-')) });
    deps = testDeps(db, config);
    await upsertAgent(db, { email: agent, name: 'Bob Agent', role: 'agent', skills: [] });
  });
  afterAll(async () => closeDb(deps.db));

  async function mail(from: string, subject: string, body: string): Promise<string | undefined> {
    const r = await receiveMail(deps, rawMessage([`From: ${from}`, `To: ${support}`, `Subject: ${subject}`, `Message-ID: <wf-${++n}@example.test>`], body), { source: 'test' });
    return r.ticketRef;
  }

  it('a reply to a ticket closed long ago opens a new ticket that follows it up', async () => {
    const ref = (await mail('ann@example.test', 'Old problem', 'It broke.'))!;
    await mail(agent, `Re: [${ref}] Old problem`, '#resolve fixed the cable\nAll done.');
    await mail(agent, `Re: [${ref}] Old problem`, '#close');
    await deps.db('tickets').where({ ref }).update({ closed_at: new Date(Date.now() - 30 * 86_400_000) });
    const next = await mail('ann@example.test', `Re: [${ref}] Old problem`, 'It broke again.');
    expect(next).not.toBe(ref);
    const t = await ticketView(deps.db, next!);
    expect(t.status).toBe('new');
    expect(t.events[0]).toMatchObject({ type: 'created', data: { followsUp: ref } });
    expect((await ticketView(deps.db, ref)).status).toBe('closed');
  });

  it('a reply to a ticket closed recently reopens it', async () => {
    const ref = (await mail('cat@example.test', 'Recent problem', 'Broken.'))!;
    await mail(agent, `Re: [${ref}] Recent problem`, '#close');
    expect((await ticketView(deps.db, ref)).status).toBe('closed');
    expect(await mail('cat@example.test', `Re: [${ref}] Recent problem`, 'Still broken!')).toBe(ref);
    const t = await ticketView(deps.db, ref);
    // Nobody owned it: it goes back to the agent who last worked on it (continuity), as assigned.
    expect(t.status).toBe('assigned');
    expect(t.assignee).toBe(agent);
    expect(t.events.map((e) => e.type)).toContain('reopened');
  });

  it('#merge moves messages and participants into the target and closes the source with a pointer', async () => {
    const target = (await mail('dan@example.test', 'Login fails', 'Cannot log in.'))!;
    const source = (await mail('dan@example.test', 'Login fails again', 'Still cannot log in.'))!;
    await mail(agent, `Re: [${source}] Login fails again`, `#merge ${target}`);
    const s = await ticketView(deps.db, source);
    const t = await ticketView(deps.db, target);
    expect(s.status).toBe('closed');
    expect(s.events.map((e) => e.type)).toContain('merged_into');
    expect(t.messages.filter((m) => m.direction === 'in').map((m) => m.body)).toEqual(expect.arrayContaining(['Cannot log in.', 'Still cannot log in.']));
    expect(t.events.map((e) => e.type)).toContain('merged_from');
  });

  it('#spam closes silently and drops the sender\'s further mail with a recorded reason', async () => {
    const ref = (await mail('spammer@example.test', 'Cheap watches', 'Buy now.'))!;
    const before = (await listOutbox(deps.db)).length;
    await mail(agent, `Re: [${ref}] Cheap watches`, '#spam');
    const r = await receiveMail(deps, rawMessage(['From: spammer@example.test', `To: ${support}`, 'Subject: More watches', 'Message-ID: <spam-2@example.test>'], 'Buy more.'), { source: 'test' });
    expect(r.outcome).toBe('dropped');
    expect(r.reason).toMatch(/blocked/);
    const sentToSpammer = (await listOutbox(deps.db)).slice(before).filter((o) => o.to_addresses.includes('spammer@example.test'));
    expect(sentToSpammer).toEqual([]);
  });

  it('an agent\'s #note stays internal: stored, nothing sent to the customer', async () => {
    const ref = (await mail('eve@example.test', 'Question', 'How do I export?'))!;
    const before = (await listOutbox(deps.db)).length;
    await mail(agent, `Re: [${ref}] Question`, '#note\nCustomer is on the legacy plan; export is disabled there.');
    const added = (await listOutbox(deps.db)).slice(before);
    expect(added.filter((o) => o.to_addresses.includes('eve@example.test'))).toEqual([]);
    const t = await ticketView(deps.db, ref);
    expect(t.messages.at(-1)).toMatchObject({ direction: 'note' });
    expect(t.messages.at(-1)!.body).toContain('legacy plan');
  });

  it('keeps attachments as content-addressed files, listed on the message', async () => {
    const raw = rawMessage(
      ['From: fay@example.test', `To: ${support}`, 'Subject: Screenshot', 'Message-ID: <att-1@example.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      '--b\nContent-Type: text/plain\n\nSee the screenshot.\n--b\nContent-Type: image/png; name="shot.png"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b--\n',
    );
    const r = await receiveMail(deps, raw, { source: 'test' });
    const t = await ticketView(deps.db, r.ticketRef!);
    const [att] = t.messages[0]!.attachments;
    expect(att).toMatchObject({ filename: 'shot.png', contentType: 'image/png', size: 8 });
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(deps.config.attachmentsDir, att!.sha256.slice(0, 2), att!.sha256))).toBe(true);
  });

  it('a mail over the size limit keeps its text, not its attachments, and the sender is told why', async () => {
    const small = { ...deps, config: { ...deps.config, maxMessageBytes: 2000 } };
    const big = 'A'.repeat(4000);
    const raw = rawMessage(
      ['From: gus@example.test', `To: ${support}`, 'Subject: Huge log', 'Message-ID: <big-1@example.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      `--b\nContent-Type: text/plain\n\nThe log is attached.\n--b\nContent-Type: text/plain; name="huge.log"\nContent-Disposition: attachment; filename="huge.log"\n\n${big}\n--b--\n`,
    );
    const r = await receiveMail(small, raw, { source: 'test' });
    expect(r.outcome).toBe('stored');
    const t = await ticketView(deps.db, r.ticketRef!);
    expect(t.messages[0]!.body).toBe('The log is attached.');
    expect(t.messages[0]!.attachments).toEqual([]);
    expect(t.events.map((e) => e.type)).toContain('attachments_refused');
    const kinds = (await listOutbox(deps.db)).filter((o) => o.to_addresses.includes('gus@example.test')).map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['received', 'too_large']));
  });

  it('a bounce of our acknowledgment is recorded on its ticket, and the address is suppressed', async () => {
    const ref = (await mail('ghost@example.test', 'Where is my order', 'Order 77?'))!;
    const ack = (await listOutbox(deps.db)).find((o) => o.to_addresses.includes('ghost@example.test') && o.kind === 'received')!;
    const dsn = rawMessage(
      ['From: MAILER-DAEMON@mx.example.test', `To: ${support}`, 'Subject: Undelivered Mail Returned to Sender', 'Message-ID: <dsn-1@mx.example.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="r"'],
      ['--r', 'Content-Type: text/plain', '', 'I could not deliver your message.', '', '--r', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example.test', '', 'Final-Recipient: rfc822; ghost@example.test', 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 user unknown', '', '--r', 'Content-Type: text/rfc822-headers', '', `Message-ID: <${ack.message_id}>`, `Subject: [${ref}] Where is my order`, '', '--r--', ''].join('\n'),
    );
    const r = await receiveMail(deps, dsn, { source: 'test' });
    expect(r.outcome).toBe('stored');
    expect(r.ticketRef).toBe(ref);
    const t = await ticketView(deps.db, ref);
    expect(t.status).toBe('new');
    expect(t.events.find((e) => e.type === 'delivery_failed')!.data).toMatchObject({ recipients: [expect.objectContaining({ address: 'ghost@example.test', status: '5.1.1' })] });
    expect(await deps.db('suppressed_recipients').where({ email: 'ghost@example.test' }).first()).toBeDefined();
    // No more automatic mail to the address: the next notice is suppressed with the reason.
    await mail(agent, `Re: [${ref}] Where is my order`, '#start');
    expect((await ticketView(deps.db, ref)).events.some((e) => e.type === 'notification_suppressed' && String(e.data['reason']).includes('suppressed'))).toBe(true);
  });

  it('a bounce for no known ticket is dropped with the reason, and sends nothing', async () => {
    const before = (await listOutbox(deps.db)).length;
    const r = await receiveMail(deps, rawMessage(['From: MAILER-DAEMON@mx.example.test', `To: ${support}`, 'Subject: Undelivered Mail Returned to Sender', 'Message-ID: <dsn-2@mx.example.test>', 'X-Failed-Recipients: nobody@example.test'], 'Delivery failed.'), { source: 'test' });
    expect(r.outcome).toBe('dropped');
    expect(r.reason).toMatch(/bounce/);
    expect((await listOutbox(deps.db)).length).toBe(before);
  });
});
