import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketView } from '../../src/cli/tickets.js';
import { silentLogger } from '../../src/log.js';
import type { ReceiveDeps } from '../../src/receive.js';
import { upsertAgent } from '../../src/store/agents.js';
import type { Db } from '../../src/store/db.js';
import { listOutbox } from '../../src/store/outbox.js';
import { pendingTimers } from '../../src/store/timers.js';
import { findTicketByRef } from '../../src/store/tickets.js';
import { TimerLoop } from '../../src/workflow/timers.js';
import { openPipeline, type Pipeline } from '../support/pipeline.js';

const HOUR = 3_600_000;

/** Durable timers on real PostgreSQL with a controllable clock: SLA alerts once each, auto-close, exactly-once across gateways. */
describe('SLA timers', () => {
  let pipeline: Pipeline;
  let db: Db;
  let deps: ReceiveDeps;
  const agent = 'bob@example.test';
  const lead = 'lena@example.test';

  beforeAll(async () => {
    pipeline = await openPipeline('timers');
    ({ db, deps } = pipeline);
    await upsertAgent(db, { email: agent, name: 'Bob Agent', role: 'agent', skills: [] });
    await upsertAgent(db, { email: lead, name: 'Lena Lead', role: 'lead', skills: [] });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  const mail = (from: string, subject: string, body: string): Promise<string> => pipeline.mail(from, subject, body);

  const loopAt = (now: Date): TimerLoop => new TimerLoop(db, deps, silentLogger(), { now: () => now });

  it('raises first-response risk and breach once each, to the assignee and the leads', async () => {
    const ref = await mail('ann@example.test', 'Printer offline', 'It is offline.');
    await mail(agent, `Re: [${ref}] Printer offline`, '#assign me\n#note');
    const t = (await findTicketByRef(db, ref))!;
    const kinds = (await pendingTimers(db, t.id)).map((x) => x.kind);
    expect(kinds).toEqual(expect.arrayContaining(['first_response_at_risk', 'first_response_breached', 'resolution_at_risk', 'resolution_breached', 'open_too_long']));

    const later = new Date(new Date(t.created_at).getTime() + 9 * HOUR); // P3: first response due in 8 h
    expect(await loopAt(later).runOnce()).toBe(2);
    expect(await loopAt(later).runOnce()).toBe(0); // once each
    const v = await ticketView(db, ref);
    expect(v.events.filter((e) => e.type === 'sla_at_risk' || e.type === 'sla_breached').map((e) => e.type)).toEqual(['sla_at_risk', 'sla_breached']);
    const alerts = (await listOutbox(db, { ticketId: t.id })).filter((o) => o.kind === 'sla_alert');
    expect(alerts.flatMap((o) => o.to_addresses).sort()).toEqual([agent, agent, lead, lead].sort());
  });

  it('a first response by mail stops the first-response clock', async () => {
    const ref = await mail('cy@example.test', 'VPN', 'VPN broken.');
    await mail(agent, `Re: [${ref}] VPN`, 'Hello, looking into it now.');
    const t = (await findTicketByRef(db, ref))!;
    expect(t.first_response_at).not.toBeNull();
    expect((await pendingTimers(db, t.id)).map((x) => x.kind)).not.toContain('first_response_breached');
  });

  it('closes a resolved ticket automatically when its clock passes 48 h, with the closing notification', async () => {
    const ref = await mail('dee@example.test', 'Password reset', 'Please reset it.');
    await mail(agent, `Re: [${ref}] Password reset`, '#resolve reset it; pointed her to the self-service page');
    const t = (await findTicketByRef(db, ref))!;
    const resolvedAt = new Date(t.resolved_at!).getTime();
    expect(await loopAt(new Date(resolvedAt + 47 * HOUR)).runOnce().then(async () => (await findTicketByRef(db, ref))!.status)).toBe('resolved');
    await loopAt(new Date(resolvedAt + 49 * HOUR)).runOnce();
    const v = await ticketView(db, ref);
    expect(v.status).toBe('closed');
    expect(v.events.find((e) => e.type === 'closed')).toMatchObject({ actor: 'system' });
    expect((await listOutbox(db, { ticketId: t.id })).map((o) => o.kind)).toContain('closed');
    // The auto-close asks the customer how it went, like #close.
    expect((await listOutbox(db, { ticketId: t.id })).map((o) => o.kind)).toContain('csat');
  });

  it('fires each due timer exactly once with two gateways racing, and catches up after downtime', async () => {
    for (let i = 0; i < 6; i++) await mail(`user${i}@example.test`, `Backlog ${i}`, 'help');
    const farFuture = new Date(Date.now() + 30 * 24 * HOUR); // every timer is long overdue: a gateway back after a month
    const before = Number(((await db('timers').whereNotNull('fired_at').count<{ count: string }[]>('id as count'))[0]!).count);
    const [a, b] = await Promise.all([loopAt(farFuture).runOnce(), loopAt(farFuture).runOnce()]);
    const after = Number(((await db('timers').whereNotNull('fired_at').count<{ count: string }[]>('id as count'))[0]!).count);
    expect(a + b).toBe(after - before);
    const dupes = await db('timers').whereNotNull('fired_at').select('ticket_id', 'kind').count('id as n').groupBy('ticket_id', 'kind').havingRaw('count(id) > 1').whereNot({ kind: 'customer_update_reminder' });
    expect(dupes).toEqual([]);
    // Which gateway wins each ticket is a race (SKIP LOCKED); that the overdue work got done is not.
    expect(a + b).toBeGreaterThan(0);
  });
});
