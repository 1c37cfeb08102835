import { describe, expect, it } from 'vitest';
import { computeKpis, stat, type EventFact, type ReportInput, type TicketFact } from '../../src/report/kpis.js';
import { formatText } from '../../src/report/format-text.js';
import { formatHtml } from '../../src/report/format-html.js';
import { digestVars } from '../../src/report/digest.js';

/** A controllable clock: every time in the fixture is "hours after the start of the period". */
const START = new Date('2026-11-02T08:00:00Z');
const h = (hours: number): Date => new Date(START.getTime() + hours * 3_600_000);
const NOW = h(10 * 24);

function ticket(ref: string, patch: Partial<TicketFact> = {}): TicketFact {
  return { ref, subject: `Subject of ${ref}`, status: 'new', priority: 'P3', category: null, tags: [], assignee: null, createdAt: h(0), firstResponseAt: null, resolution: null, ...patch };
}
const ev = (ref: string, type: string, at: Date, data: Record<string, unknown> = {}, actor = 'bob@acme.test'): EventFact => ({ ref, type, actor, at, data });

/**
 * Ten tickets in the period, one before it, one spam:
 * HD-1  answered in 1 h, resolved at 2 h with one reply            → first contact
 * HD-2  answered in 3 h, customer wrote again, resolved at 30 h    → not first contact
 * HD-3  resolved at 5 h, reopened at 20 h, resolved again at 40 h  → reopened, resolution 40 h
 * HD-4  escalated, P1, answered in 0.5 h, breached resolution, closed at 50 h without a note
 * HD-5  answered in 10 h (first response breached), still in progress → backlog
 * HD-6  new, created 9.5 days in → backlog under 1 day
 * HD-7  created on day 5, answered in 2 h, waiting on the customer → backlog 3–7 days
 * HD-8  #kb candidate, resolved at 4 h with a note
 * HD-9  escalated and then resolved at 6 h
 * HD-10 P2, answered in 2 h, resolved at 8 h
 * HD-0  created before the period: counted in the backlog only
 * HD-99 spam: counted nowhere
 */
function fixture(): ReportInput {
  const tickets: TicketFact[] = [
    ticket('HD-1', { status: 'closed', firstResponseAt: h(1), resolution: 'FAQ updated', assignee: 'bob@acme.test', category: 'billing' }),
    ticket('HD-2', { status: 'resolved', firstResponseAt: h(3), resolution: 'Reset the token', assignee: 'bob@acme.test', category: 'billing' }),
    ticket('HD-3', { status: 'resolved', firstResponseAt: h(2), resolution: 'Replaced cable', assignee: 'ann@acme.test' }),
    ticket('HD-4', { status: 'closed', priority: 'P1', firstResponseAt: h(0.5), assignee: 'ann@acme.test', tags: ['escalated'] }),
    ticket('HD-5', { status: 'in_progress', firstResponseAt: h(10), assignee: 'ann@acme.test' }),
    ticket('HD-6', { status: 'new', createdAt: h(9.5 * 24) }),
    ticket('HD-7', { status: 'waiting_customer', createdAt: h(5 * 24), firstResponseAt: h(5 * 24 + 2), assignee: 'bob@acme.test' }),
    ticket('HD-8', { status: 'resolved', firstResponseAt: h(1), resolution: 'Documented the VPN setting', tags: ['kb'], assignee: 'bob@acme.test' }),
    ticket('HD-9', { status: 'resolved', firstResponseAt: h(1), resolution: 'Vendor patch', assignee: 'ann@acme.test', tags: ['escalated'] }),
    ticket('HD-10', { status: 'closed', priority: 'P2', firstResponseAt: h(2), resolution: 'Rebooted', assignee: 'bob@acme.test' }),
    ticket('HD-0', { status: 'assigned', createdAt: h(-100), assignee: 'bob@acme.test' }),
    ticket('HD-99', { status: 'closed', tags: ['spam'] }),
  ];
  const events: EventFact[] = [
    ev('HD-1', 'replied', h(1)),
    ev('HD-1', 'resolved', h(2)),
    ev('HD-1', 'closed', h(50), {}, 'system'),
    ev('HD-2', 'replied', h(3)),
    ev('HD-2', 'message_received', h(4), {}, 'carol@example.test'),
    ev('HD-2', 'replied', h(29)),
    ev('HD-2', 'resolved', h(30)),
    ev('HD-3', 'replied', h(2)),
    ev('HD-3', 'resolved', h(5)),
    ev('HD-3', 'reopened', h(20), { by: 'customer' }, 'dave@example.test'),
    ev('HD-3', 'resolved', h(40)),
    ev('HD-4', 'escalated', h(1)),
    ev('HD-4', 'sla_breached', h(4), { timer: 'resolution_breached' }, 'system'),
    ev('HD-4', 'closed', h(50)),
    ev('HD-5', 'sla_breached', h(8), { timer: 'first_response_breached' }, 'system'),
    // an agent's own mail is a message_received with a role, not a customer follow-up
    ev('HD-8', 'message_received', h(0.5), { role: 'agent' }),
    ev('HD-8', 'kb_candidate', h(3), { note: 'VPN split tunnel article' }),
    ev('HD-8', 'resolved', h(4)),
    ev('HD-9', 'escalated', h(2)),
    ev('HD-9', 'resolved', h(6)),
    ev('HD-10', 'resolved', h(8)),
    ev('HD-10', 'closed', h(56), {}, 'system'),
    ev('HD-99', 'spam', h(1)),
  ];
  return {
    since: START,
    now: NOW,
    tickets,
    events,
    ratings: [
      { ref: 'HD-1', rating: 5, ratedAt: h(60) },
      { ref: 'HD-4', rating: 2, ratedAt: h(70) },
      { ref: 'HD-10', rating: 4, ratedAt: h(80) },
      { ref: 'HD-0', rating: 1, ratedAt: h(-5) }, // before the period
    ],
    surveysSent: 4,
    agents: [
      { email: 'ann@acme.test', name: 'Ann' },
      { email: 'bob@acme.test', name: 'Bob' },
    ],
  };
}

describe('KPIs over a fixture history', () => {
  const r = computeKpis(fixture());

  it('counts the tickets created in the period, without spam or earlier tickets', () => {
    expect(r.tickets).toEqual({ created: 10, resolved: 7 });
  });

  it('gives first response median and p90, overall and by priority and category', () => {
    // responses in hours: 0.5, 1, 1, 1, 2, 2, 2, 3, 10 → median 2 h, p90 (9th of 9) 10 h
    expect(r.firstResponse.overall).toEqual({ count: 9, medianMinutes: 120, p90Minutes: 600 });
    expect(r.firstResponse.byPriority['P1']).toEqual({ count: 1, medianMinutes: 30, p90Minutes: 30 });
    expect(r.firstResponse.byPriority['P2']).toEqual({ count: 1, medianMinutes: 120, p90Minutes: 120 });
    expect(r.firstResponse.byCategory['billing']).toEqual({ count: 2, medianMinutes: 120, p90Minutes: 180 });
  });

  it('measures resolution to the resolve after the last reopen, not the auto-close', () => {
    // 2, 30, 40, 50, 4, 6, 8 hours → sorted 2 4 6 8 30 40 50: median 8 h, p90 50 h
    expect(r.resolution.overall).toEqual({ count: 7, medianMinutes: 480, p90Minutes: 3000 });
    expect(r.resolution.byPriority['P1']!.medianMinutes).toBe(50 * 60);
  });

  it('computes first-contact resolution, reopened and escalation rates against the seed 003 targets', () => {
    // first contact: HD-1, HD-4 (no reply, no follow-up), HD-8, HD-9, HD-10 = 5 of 7
    expect(r.firstContactResolution).toEqual({ count: 5, total: 7, rate: 0.7143, target: '> 70 %', met: true });
    expect(r.reopened).toEqual({ count: 1, total: 7, rate: 0.1429, target: '< 5 %', met: false });
    expect(r.escalation).toEqual({ count: 2, total: 10, rate: 0.2, target: '< 15 %', met: false });
  });

  it('averages the ratings given in the period; satisfied means 4 or 5', () => {
    expect(r.csat.responses).toBe(3);
    expect(r.csat.average).toBe(3.67);
    expect(r.csat.satisfied).toEqual({ count: 2, total: 3, rate: 0.6667, target: '> 90 %', met: false });
    expect(r.csat.distribution).toEqual({ '1': 0, '2': 1, '3': 0, '4': 1, '5': 1 });
  });

  it('derives SLA attainment from the recorded breaches', () => {
    expect(r.sla.firstResponse).toEqual({ count: 8, total: 9, rate: 0.8889, target: null, met: null });
    expect(r.sla.resolution).toEqual({ count: 6, total: 7, rate: 0.8571, target: null, met: null });
  });

  it('shows the backlog now by status and age, and each agent\'s load', () => {
    expect(r.backlog.total).toBe(4);
    expect(r.backlog.byStatus).toMatchObject({ new: 1, assigned: 1, in_progress: 1, waiting_customer: 1 });
    expect(r.backlog.byAge).toEqual([
      { label: 'under 1 day', count: 1 },
      { label: '1–3 days', count: 0 },
      { label: '3–7 days', count: 1 },
      { label: 'over 7 days', count: 2 },
    ]);
    expect(r.agents).toEqual([
      { email: 'ann@acme.test', name: 'Ann', open: 1, resolved: 3, csatAverage: 2 },
      { email: 'bob@acme.test', name: 'Bob', open: 2, resolved: 4, csatAverage: 4.5 },
    ]);
  });

  it('lists tickets resolved without a prevention note, and knowledge-base candidates', () => {
    expect(r.withoutPrevention.map((t) => t.ref)).toEqual(['HD-4']);
    expect(r.kbCandidates).toEqual([{ ref: 'HD-8', subject: 'Subject of HD-8', note: 'VPN split tunnel article' }]);
  });

  it('moves with the clock: a later "now" ages the backlog', () => {
    const later = computeKpis({ ...fixture(), now: new Date(NOW.getTime() + 3 * 86_400_000) });
    expect(later.backlog.byAge.find((b) => b.label === 'under 1 day')!.count).toBe(0);
    expect(later.backlog.byAge.find((b) => b.label === '3–7 days')!.count).toBe(1);
    expect(later.backlog.byAge.find((b) => b.label === 'over 7 days')!.count).toBe(3);
  });

  it('says "no data" rather than 0 % for an empty period', () => {
    const empty = computeKpis({ ...fixture(), tickets: [], events: [], ratings: [] });
    expect(empty.firstContactResolution).toMatchObject({ rate: null, met: null });
    expect(empty.firstResponse.overall).toEqual({ count: 0, medianMinutes: null, p90Minutes: null });
    expect(formatText(empty)).toContain('First-contact resolution  –  (0/0)');
  });
});

describe('stat', () => {
  it.each([
    [[10], 10, 10],
    [[10, 20], 15, 20],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9],
    [[5, 1, 3], 3, 5],
  ])('%j → median %d, p90 %d', (values, median, p90) => {
    expect(stat(values)).toEqual({ count: values.length, medianMinutes: median, p90Minutes: p90 });
  });
});

describe('report formats', () => {
  const r = computeKpis(fixture());

  it('prints the figures beside their targets', () => {
    const text = formatText(r);
    expect(text).toContain('First-contact resolution  71.4 %  (5/7)  target > 70 %  ✓ met');
    expect(text).toContain('Reopened                  14.3 %  (1/7)  target < 5 %  ✗ missed');
    expect(text).toContain('First response time   median 2h, p90 10h (9 tickets)');
    expect(text).toContain('HD-4  Subject of HD-4');
    expect(text).toContain('HD-8  Subject of HD-8 — VPN split tunnel article');
  });

  it('writes a self-contained page with SVG charts and no external resources', () => {
    const html = formatHtml(r, { helpdeskName: 'Acme <Support>' });
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('Acme &lt;Support&gt;');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(10);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
  });

  it('cuts the digest to figures with met/missed verdicts', () => {
    const d = digestVars(r);
    expect(d.figures.find((f) => f.label === 'First-contact resolution')).toEqual({ label: 'First-contact resolution', value: '71.4 % (5/7)', target: '> 70 %', met: true, missed: false });
    expect(d.figures.find((f) => f.label === 'Escalated')).toMatchObject({ met: false, missed: true });
    expect(d.kbCandidates).toEqual(['HD-8  Subject of HD-8 — VPN split tunnel article']);
  });
});
