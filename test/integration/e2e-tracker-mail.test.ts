import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketView } from '../../src/cli/tickets.js';
import { AUTHSERV, dmarcPass as dmarcPassFrom, startDesk, type E2eDesk } from '../support/e2e.js';
import { readMailbox, uniqueAddress, waitForMailbox } from '../support/mail-client.js';

/**
 * The mail-in tracker on the real stack: an agent's #bug sends a report to the tracker's mailbox
 * (read over IMAP); the tracker's answers (From its address, by plus address or item key) come
 * back as internal notes and tell the assignee; "done" puts the ticket back in progress.
 */
describe('bugs to a mail-in tracker and back', () => {
  let support: string;
  const customer = uniqueAddress('carol', 'example.test');
  const agent = uniqueAddress('bob', 'example.test');
  const jira = uniqueAddress('jira', 'example.test');
  let desk: E2eDesk;
  let trackerReplyAddress = '';
  const dmarcPass = dmarcPassFrom();

  async function mailFrom(from: string, to: string, subject: string, body: string, headers: string[] = []): Promise<void> {
    await desk.mail(from, to, subject, body, { headers });
  }
  const ticketAfter = (ref: string, predicate: (t: TicketView) => boolean): Promise<TicketView> => desk.ticketAfter(ref, predicate);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskmail-tracker-'));
    writeFileSync(join(dir, 'trackers.yaml'), `trackers:\n  jira:\n    kind: mail\n    address: ${jira}\n    key_pattern: 'APP-\\d+'\n`);
    desk = await startDesk('tracker', { dataDir: dir, env: { DESKMAIL_TRACKERS: join(dir, 'trackers.yaml') }, agents: [{ email: agent, name: 'Bob Agent', role: 'agent' }] });
    support = desk.support;
  });

  afterAll(async () => {
    await desk?.stop();
  });

  it('files the bug report in the tracker\'s mailbox, answerable through the plus address', async () => {
    await mailFrom(customer, support, 'Export crashes', 'Hello,\nExporting to CSV crashes the app every time.\n\n> an old quote that must not travel\n');
    await ticketAfter('HD-1', () => true);
    await mailFrom(agent, support, 'Re: [HD-1] Export crashes', '#assign me\n#bug Export to CSV crashes\n1. open any report\n2. click Export', [dmarcPass]);
    const t = await ticketAfter('HD-1', (x) => x.status === 'waiting_third_party');
    expect(t.category).toBe('Bug');
    expect(t.bugs).toEqual([{ key: null, tracker: 'jira', status: 'filed', summary: 'Export to CSV crashes' }]);

    const [report] = await waitForMailbox(jira, (m) => m.length >= 1);
    expect(report!.headers.get('subject')).toBe('[HD-1] Export to CSV crashes');
    // The plus address carries a token signed for the tracker: answers to it prove they answer our report.
    const replyTo = String(report!.headers.get('reply-to'));
    expect(replyTo).toMatch(new RegExp(`${support.split('@')[0]}\\+HD-1\\.[0-9a-f]{20}@helpdesk\\.test`));
    trackerReplyAddress = /[^\s<>"]+@[^\s<>"]+/.exec(replyTo)![0];
    expect(report!.headers.get('auto-submitted')).toBeUndefined(); // Jira's mail handler ignores auto-generated mail
    expect(report!.source).toContain('Exporting to CSV crashes the app every time.');
    expect(report!.source).toContain('2. click Export');
    expect(report!.source).not.toContain('an old quote');
  });

  it('threads the tracker\'s answer back as an internal note, learns the key, tells the assignee and never answers', async () => {
    const customerBefore = (await readMailbox(customer)).length;
    await mailFrom(jira, trackerReplyAddress, '[JIRA] (APP-12) Export to CSV crashes', 'Issue APP-12 was created in project APP.', ['Auto-Submitted: auto-generated', 'Precedence: bulk']);
    const t = await ticketAfter('HD-1', (x) => x.bugs[0]?.key === 'APP-12');
    const note = t.messages.find((m) => m.from === jira)!;
    expect(note.direction).toBe('note');
    expect(note.decisions.some((d) => d.stage === 'bug' && d.verdict === 'key APP-12')).toBe(true);
    expect(note.decisions.find((d) => d.stage === 'auth')).toMatchObject({ verdict: 'tracker jira', reason: 'reply address signed for tracker jira' });
    expect(note.suspicious).toBe(false);
    expect(t.status).toBe('waiting_third_party');
    const told = await waitForMailbox(agent, (m) => m.some((x) => /Development update \(APP-12\)/.test(x.headers.get('subject') ?? '')));
    expect(told.length).toBeGreaterThan(0);
    expect((await readMailbox(jira)).length).toBe(1); // no acknowledgment to the tracker
    expect((await readMailbox(customer)).length).toBe(customerBefore);
  });

  it('a forged "done" in the tracker\'s name (no DMARC pass, no signed address) is a suspicious note and changes nothing', async () => {
    const agentBefore = (await readMailbox(agent)).length;
    await mailFrom(jira, support.replace('@', '+HD-1@'), '[JIRA] (APP-12) Export to CSV crashes', 'Mallory changed the status to Done.', ['Auto-Submitted: auto-generated']);
    const t = await ticketAfter('HD-1', (x) => x.messages.some((m) => m.from === jira && m.suspicious));
    const forged = t.messages.find((m) => m.from === jira && m.suspicious)!;
    expect(forged.direction).toBe('note');
    expect(forged.decisions.find((d) => d.stage === 'auth')).toMatchObject({ verdict: 'refused' });
    expect(forged.decisions.find((d) => d.stage === 'auth')!.reason).toContain(`no Authentication-Results header from ${AUTHSERV}`);
    expect(t.status).toBe('waiting_third_party');
    expect(t.bugs[0]!.status).not.toBe('done');
    expect(t.events.find((e) => e.type === 'tracker_refused')).toMatchObject({ actor: jira, data: { tracker: 'jira' } });
    await new Promise((r) => setTimeout(r, 1500)); // give the sender a chance to show any mail it would wrongly send
    expect((await readMailbox(agent)).length).toBe(agentBefore);
  });

  it('"done" (found by the item key alone, DMARC pass) puts the ticket back in progress and asks the assignee to verify', async () => {
    await mailFrom(jira, support, '[JIRA] (APP-12) Export to CSV crashes', 'Dev Dan changed the status to Done.\nResolution: Fixed', ['Auto-Submitted: auto-generated', dmarcPass]);
    const t = await ticketAfter('HD-1', (x) => x.status === 'in_progress');
    expect(t.bugs[0]!.status).toBe('done');
    expect(t.events.map((e) => e.type)).toEqual(expect.arrayContaining(['bug_update', 'bug_done']));
    const mails = await waitForMailbox(agent, (m) => m.some((x) => /Fixed in development \(APP-12\)/.test(x.headers.get('subject') ?? '')));
    expect(mails.find((x) => /Fixed in development/.test(x.headers.get('subject') ?? ''))!.source).toMatch(/verify the fix/);
  });
});
