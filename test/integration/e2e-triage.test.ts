import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDesk, type E2eDesk } from '../support/e2e.js';
import { rawMail, sendRaw, uniqueAddress, waitForMailbox } from '../support/mail-client.js';

/** The shipped triage rules on the real stack: an outage is P1 Technical Issues, phishing goes straight to the leads. */
describe('triage rules on arrival', () => {
  let support: string;
  const customer = uniqueAddress('hank', 'example.test');
  const lead = uniqueAddress('lara', 'example.test');
  let desk: E2eDesk;

  beforeAll(async () => {
    desk = await startDesk('triage', { agents: [{ email: lead, name: 'Lara Lead', role: 'lead' }] });
    support = desk.support;
  });
  afterAll(async () => {
    await desk?.stop();
  });

  const ticket = (ref: string) => desk.ticketAfter(ref);

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
