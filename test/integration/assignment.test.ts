import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentsList } from '../../src/cli/agents.js';
import { agentsAway, agentsBack } from '../../src/cli/agents-away.js';
import { ticketView } from '../../src/cli/tickets.js';
import type { AppContext } from '../../src/context.js';
import { silentLogger } from '../../src/log.js';
import type { ReceiveDeps } from '../../src/receive.js';
import { upsertAgent } from '../../src/store/agents.js';
import type { Db } from '../../src/store/db.js';
import { listOutbox } from '../../src/store/outbox.js';
import { pendingTimers } from '../../src/store/timers.js';
import { findTicketByRef } from '../../src/store/tickets.js';
import { openPipeline, type Pipeline } from '../support/pipeline.js';

/** Auto-assignment and the away hand-back on real PostgreSQL, through the whole ingest pipeline. */
describe('auto-assignment and agents away', () => {
  let pipeline: Pipeline;
  let db: Db;
  let deps: ReceiveDeps;
  let ctx: AppContext;
  const bob = 'bob@example.test';
  const cat = 'cat@example.test';
  const dan = 'dan@example.test';
  const lead = 'lena@example.test';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskmail-assign-'));
    const slaFile = join(dir, 'sla.yaml');
    writeFileSync(slaFile, 'assignment:\n  enabled: true\n  category_skills:\n    Technical Issues: [technical]\n    Billing/Payment: [billing]\n');
    pipeline = await openPipeline('assign', { dataDir: dir, env: { DESKMAIL_SLA: slaFile } });
    ({ db, deps } = pipeline);
    ctx = { ...deps, log: silentLogger(), appliedMigrations: [], close: async () => undefined };
    await upsertAgent(db, { email: bob, name: 'Bob Agent', role: 'agent', skills: ['technical'] });
    await upsertAgent(db, { email: cat, name: 'Cat Agent', role: 'agent', skills: ['technical', 'billing'] });
    await upsertAgent(db, { email: dan, name: 'Dan Agent', role: 'agent', skills: ['dns'] });
    await upsertAgent(db, { email: lead, name: 'Lena Lead', role: 'lead', skills: ['technical'] });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  const mail = (from: string, subject: string, body: string): Promise<string> => pipeline.mail(from, subject, body);
  const assignedMails = async (ref: string) => (await listOutbox(db, { ticketId: (await findTicketByRef(db, ref))!.id })).filter((o) => o.kind === 'assigned');

  it('a new technical ticket goes to a skilled agent with the fewest open tickets, who is told, and the history says why', async () => {
    const ref = await mail('ann@example.test', 'Server down', 'Our server is down, nobody can work.');
    const t = await ticketView(db, ref);
    expect(t.category).toBe('Technical Issues');
    expect(t.status).toBe('assigned');
    expect(t.assignee).toBe(bob); // bob and cat both hold 0: the tie goes by address; dan lacks the skill, lena is a lead
    const event = t.events.find((e) => e.type === 'assigned');
    expect(event).toMatchObject({ actor: 'system', data: { to: bob, auto: true } });
    expect(String(event!.data['reason'])).toMatch(/fewest open tickets \(0 of 3\) among 2 available with skill technical/);
    expect(t.messages[0]!.decisions).toContainEqual(expect.objectContaining({ stage: 'assign', verdict: bob }));
    expect((await assignedMails(ref)).flatMap((o) => o.to_addresses)).toEqual([bob]);
  });

  it('load balancing: the next one goes to the other skilled agent', async () => {
    const ref = await mail('ben@example.test', 'Cannot connect to VPN', 'Error: cannot connect since this morning.');
    expect((await ticketView(db, ref)).assignee).toBe(cat);
  });

  it('continuity: the requester\'s earlier agent gets their new ticket, even when busier', async () => {
    await mail('cy@example.test', 'Crash on start', 'The app crashes on start.'); // bob now has 1 open, cat 1
    const first = await mail('ann@example.test', 'Sync fails again', 'The sync integration failed to run.');
    expect((await ticketView(db, first)).assignee).toBe(bob); // ann's earlier ticket was bob's
    const t = await ticketView(db, first);
    expect(String(t.events.find((e) => e.type === 'assigned')!.data['reason'])).toMatch(/^continuity/);
  });

  it('nobody under the cap: the ticket stays with triage, and the decision record says why', async () => {
    // bob holds 3 now (the cap), cat 1: fill cat up with billing tickets.
    await mail('dee@example.test', 'Invoice question', 'A question about my invoice.');
    await mail('fay@example.test', 'Refund please', 'I was double charged, please refund.');
    const ref = await mail('eve@example.test', 'Error 502 on the portal', 'We get error 502.');
    const t = await ticketView(db, ref);
    expect(t.assignee).toBeNull();
    expect(t.status).toBe('new');
    expect(t.messages[0]!.decisions).toContainEqual({ stage: 'assign', verdict: 'none', reason: 'left for triage: everyone with skill technical already holds 3 open tickets (the cap)' });
  });

  it('agents away: tickets not waiting on someone go back to the queue, triage is told, and the agent gets no new ones', async () => {
    const bobs = (await db('tickets').join('agents', 'agents.id', 'tickets.assignee_id').where('agents.email', bob).select('tickets.ref')) as { ref: string }[];
    expect(bobs.length).toBe(3);
    const waiting = bobs[0]!.ref;
    await mail(bob, `Re: [${waiting}] Server down`, '#wait customer\nCould you send the logs?');
    expect((await ticketView(db, waiting)).status).toBe('waiting_customer');

    const out = await agentsAway(ctx, bob, { until: '2099-01-05', note: 'off tomorrow, back in January' });
    expect(out).toContain(`agent ${bob} is away until`);
    expect(out).toContain('kept: 1 ticket(s) waiting on the customer or a vendor');

    for (const { ref } of bobs.slice(1)) {
      const t = await ticketView(db, ref);
      expect(t).toMatchObject({ status: 'reviewing', assignee: null });
      const released = t.events.find((e) => e.type === 'released');
      expect(released).toMatchObject({ actor: 'system', data: { from: bob, reason: 'away' } });
      expect(String(released!.data['note'])).toContain('off tomorrow, back in January');
      const told = (await listOutbox(db, { ticketId: (await findTicketByRef(db, ref))!.id })).filter((o) => o.kind === 'handed_back');
      expect(told.flatMap((o) => o.to_addresses)).toEqual([lead]);
      expect(told[0]!.subject).toBe(`[${ref}] Back in the queue (Bob Agent is away): ${t.subject}`);
      expect(told[0]!.text_body).toContain('Reply with #assign me, or #assign NAME');
      // Nobody owns it: no reminder to update the customer is pending for an owner.
      expect((await pendingTimers(db, (await findTicketByRef(db, ref))!.id)).map((x) => x.kind)).not.toContain('customer_update_reminder');
    }
    const kept = await ticketView(db, waiting);
    expect(kept).toMatchObject({ status: 'waiting_customer', assignee: bob });

    expect(await agentsList(ctx, {})).toMatch(/bob@example\.test.*away until 2099-01-0[45]T.*\(off tomorrow, back in January\)/);
    const json = JSON.parse(await agentsList(ctx, { json: true })) as { email: string; away: { until: string; note: string } | null }[];
    expect(json.find((a) => a.email === bob)!.away!.note).toBe('off tomorrow, back in January');

    // ann wrote to bob before (continuity), and bob is under the cap now: still, an away agent gets nothing.
    const ref = await mail('ann@example.test', 'Another crash', 'It crashed again with an exception.');
    expect((await ticketView(db, ref)).assignee).not.toBe(bob);
  });

  it('agents back: available again; a date in the past or nonsense is refused', async () => {
    await expect(agentsAway(ctx, bob, { until: '2001-01-01' })).rejects.toThrow('--until 2001-01-01 is in the past');
    await expect(agentsAway(ctx, bob, { until: 'next week' })).rejects.toThrow(/--until must be a date/);
    await expect(agentsAway(ctx, 'nobody@example.test', { until: '2099-01-01' })).rejects.toThrow('no agent nobody@example.test');
    const handed = ((await db('events').join('tickets', 'tickets.id', 'events.ticket_id').where({ 'events.type': 'released', 'events.actor': 'system' }).orderBy('events.id').select('tickets.ref')) as { ref: string }[]).map((r) => r.ref);
    expect(handed).toHaveLength(2);

    // #assign to an away agent still works; the result reply says until when.
    await mail(lead, `Re: [${handed[0]}] Server down`, '#assign bob');
    expect((await ticketView(db, handed[0]!)).assignee).toBe(bob);
    const result = (await listOutbox(db, { ticketId: (await findTicketByRef(db, handed[0]!))!.id })).filter((o) => o.kind === 'command_result').at(-1)!;
    expect(result.to_addresses).toEqual([lead]);
    expect(result.text_body).toMatch(/Please note:\s+- bob@example\.test is away until 2099-01-0[45]T[\d:.]+Z \(off tomorrow, back in January\)/);

    expect((await agentsBack(ctx, bob)).split('\n')).toEqual([
      `agent ${bob} is available again`,
      `handed back while away: ${handed[0]} (theirs again), ${handed[1]} (still in the queue)`,
      'they stay where they are: nothing is taken back automatically (reply #assign me on a ticket to take it)',
    ]);
    expect((await ticketView(db, handed[1]!))).toMatchObject({ status: 'reviewing', assignee: null });
    expect(await agentsBack(ctx, cat)).toBe(`agent ${cat} is available again\nthey were not marked away`);
    const json = JSON.parse(await agentsList(ctx, { json: true })) as { email: string; away: unknown }[];
    expect(json.find((a) => a.email === bob)!.away).toBeNull();
  });
});
