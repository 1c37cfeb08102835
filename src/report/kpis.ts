import type { TicketSummary } from '../ticket/summary.js';
import { OPEN_STATUSES } from '../ticket/machine.js';

/**
 * The KPIs of seed 003 ("Key Performance Indicators") and the contract, computed from plain rows:
 * no database, no clock of its own (the caller passes `now`), so a fixture history gives exact
 * figures. Definitions (the README repeats them for the people who read the report):
 *
 * - cohort: tickets created in [since, now], not spam, not merged away, not triaged out as project work;
 * - first response: created → first human answer (tickets.first_response_at);
 * - resolution: created → the resolve (or close) that ended the ticket, i.e. the first one after its last reopen;
 * - first-contact resolution: resolved, never reopened, at most one agent reply and no customer
 *   follow-up before the resolution;
 * - reopened: resolved tickets with at least one reopen;
 * - escalation: tickets escalated at least once (by #escalate, a rule or the timer);
 * - CSAT: ratings given in the period; satisfied = 4 or 5;
 * - SLA attainment: of the tickets that got a first response (or resolution) or breached it, those
 *   without a recorded breach (sla_breached events from the durable timers);
 * - backlog: open tickets now, by status and age.
 */
export interface TicketFact extends TicketSummary {
  createdAt: Date;
  firstResponseAt: Date | null;
  resolution: string | null;
}

export interface EventFact {
  ref: string;
  type: string;
  actor: string;
  at: Date;
  data: Record<string, unknown>;
}

export interface RatingFact {
  ref: string;
  rating: number;
  ratedAt: Date;
}

export interface ReportInput {
  since: Date;
  now: Date;
  tickets: TicketFact[];
  events: EventFact[];
  ratings: RatingFact[];
  /** Surveys sent in the period (for the response rate). */
  surveysSent: number;
  agents: { email: string; name: string }[];
}

export interface Stat {
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface Rate {
  count: number;
  total: number;
  rate: number | null;
  /** Seed 003's target, e.g. "> 70 %"; null where it sets none. */
  target: string | null;
  met: boolean | null;
}

export interface Report {
  since: string;
  until: string;
  tickets: { created: number; resolved: number };
  firstResponse: { overall: Stat; byPriority: Record<string, Stat>; byCategory: Record<string, Stat> };
  resolution: { overall: Stat; byPriority: Record<string, Stat>; byCategory: Record<string, Stat> };
  firstContactResolution: Rate;
  reopened: Rate;
  escalation: Rate;
  csat: { responses: number; surveysSent: number; average: number | null; satisfied: Rate; distribution: Record<string, number> };
  sla: { firstResponse: Rate; resolution: Rate };
  backlog: { total: number; byStatus: Record<string, number>; byAge: { label: string; count: number }[] };
  agents: { email: string; name: string; open: number; resolved: number; csatAverage: number | null }[];
  withoutPrevention: { ref: string; subject: string; resolvedAt: string }[];
  kbCandidates: { ref: string; subject: string; note: string | null }[];
}

/** Seed 003, "Key Performance Indicators". */
export const TARGETS = {
  firstContactResolution: { op: '>', value: 0.7 },
  reopened: { op: '<', value: 0.05 },
  csatSatisfied: { op: '>', value: 0.9 },
  escalation: { op: '<', value: 0.15 },
} as const;

/** Statuses counted as backlog: the state machine's open ones. */
const OPEN: readonly string[] = OPEN_STATUSES;
const AGE_BUCKETS: { label: string; maxDays: number }[] = [
  { label: 'under 1 day', maxDays: 1 },
  { label: '1–3 days', maxDays: 3 },
  { label: '3–7 days', maxDays: 7 },
  { label: 'over 7 days', maxDays: Infinity },
];

/** Sorted-sample median (mean of the middle two) and nearest-rank p90. */
export function stat(minutes: number[]): Stat {
  if (minutes.length === 0) return { count: 0, medianMinutes: null, p90Minutes: null };
  const s = [...minutes].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const p90 = s[Math.ceil(0.9 * s.length) - 1]!;
  return { count: s.length, medianMinutes: round(median), p90Minutes: round(p90) };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function rate(count: number, total: number, target?: { op: '>' | '<'; value: number }): Rate {
  const r = total === 0 ? null : count / total;
  return {
    count,
    total,
    rate: r === null ? null : round(r, 4),
    target: target ? `${target.op} ${Math.round(target.value * 100)} %` : null,
    met: target && r !== null ? (target.op === '>' ? r > target.value : r < target.value) : null,
  };
}

function minutesBetween(a: Date, b: Date): number {
  return (b.getTime() - a.getTime()) / 60_000;
}

function grouped<T>(items: T[], key: (t: T) => string, value: (t: T) => number): Record<string, Stat> {
  const groups = new Map<string, number[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), value(item)]);
  }
  return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, stat(v)]));
}

/** Spam, merged-away and project tickets are not support work the KPIs measure. */
function isExcluded(t: TicketFact, events: EventFact[]): boolean {
  return t.tags.includes('spam') || events.some((e) => e.type === 'merged_into' || e.type === 'project' || e.type === 'spam');
}

/** When the ticket's work ended: the first resolve/close after its last reopen; null while open. */
export function resolvedAt(t: TicketFact, events: EventFact[]): Date | null {
  if (t.status !== 'resolved' && t.status !== 'closed') return null;
  const lastReopen = events.filter((e) => e.type === 'reopened').at(-1)?.at ?? new Date(0);
  const end = events.find((e) => (e.type === 'resolved' || e.type === 'closed') && e.at >= lastReopen);
  return end?.at ?? null;
}

export function computeKpis(input: ReportInput): Report {
  const { since, now } = input;
  const eventsOf = new Map<string, EventFact[]>();
  for (const e of [...input.events].sort((a, b) => a.at.getTime() - b.at.getTime())) eventsOf.set(e.ref, [...(eventsOf.get(e.ref) ?? []), e]);
  const evs = (ref: string): EventFact[] => eventsOf.get(ref) ?? [];
  const counted = input.tickets.filter((t) => !isExcluded(t, evs(t.ref)));
  const cohort = counted.filter((t) => t.createdAt >= since && t.createdAt <= now);

  const responded = cohort.filter((t) => t.firstResponseAt !== null);
  const frt = (t: TicketFact): number => minutesBetween(t.createdAt, t.firstResponseAt!);
  const resolved = cohort.map((t) => ({ t, at: resolvedAt(t, evs(t.ref)) })).filter((r): r is { t: TicketFact; at: Date } => r.at !== null);
  const rt = (r: { t: TicketFact; at: Date }): number => minutesBetween(r.t.createdAt, r.at);

  const firstContact = resolved.filter(({ t, at }) => {
    const before = evs(t.ref).filter((e) => e.at <= at);
    const customerFollowUps = before.filter((e) => e.type === 'message_received' && e.data['role'] === undefined).length;
    const agentReplies = before.filter((e) => e.type === 'replied').length;
    return !evs(t.ref).some((e) => e.type === 'reopened') && customerFollowUps === 0 && agentReplies <= 1;
  });
  const everResolved = cohort.filter((t) => evs(t.ref).some((e) => e.type === 'resolved' || e.type === 'closed'));
  const reopened = everResolved.filter((t) => evs(t.ref).some((e) => e.type === 'reopened'));
  const escalated = cohort.filter((t) => evs(t.ref).some((e) => e.type === 'escalated'));

  const breached = (t: TicketFact, timer: string): boolean => evs(t.ref).some((e) => e.type === 'sla_breached' && e.data['timer'] === timer);
  const frEligible = cohort.filter((t) => t.firstResponseAt !== null || breached(t, 'first_response_breached'));
  const resEligible = cohort.filter((t) => resolved.some((r) => r.t === t) || breached(t, 'resolution_breached'));

  const ratings = input.ratings.filter((r) => r.ratedAt >= since && r.ratedAt <= now);
  const distribution: Record<string, number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const r of ratings) distribution[String(r.rating)] = (distribution[String(r.rating)] ?? 0) + 1;
  const average = ratings.length ? round(ratings.reduce((s, r) => s + r.rating, 0) / ratings.length, 2) : null;

  const open = counted.filter((t) => OPEN.includes(t.status));
  const byStatus: Record<string, number> = Object.fromEntries(OPEN.map((s) => [s, 0]));
  for (const t of open) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
  const byAge = AGE_BUCKETS.map((b, i) => ({
    label: b.label,
    count: open.filter((t) => {
      const days = minutesBetween(t.createdAt, now) / 1440;
      return days < b.maxDays && (i === 0 || days >= AGE_BUCKETS[i - 1]!.maxDays);
    }).length,
  }));

  const resolvedInPeriod = counted.map((t) => ({ t, at: resolvedAt(t, evs(t.ref)) })).filter((r): r is { t: TicketFact; at: Date } => r.at !== null && r.at >= since && r.at <= now);
  const ratingOf = new Map(ratings.map((r) => [r.ref, r.rating]));
  const agents = input.agents.map((a) => {
    const mine = counted.filter((t) => t.assignee === a.email);
    const rated = mine.map((t) => ratingOf.get(t.ref)).filter((r): r is number => r !== undefined);
    return {
      email: a.email,
      name: a.name,
      open: mine.filter((t) => OPEN.includes(t.status)).length,
      resolved: resolvedInPeriod.filter((r) => r.t.assignee === a.email).length,
      csatAverage: rated.length ? round(rated.reduce((s, r) => s + r, 0) / rated.length, 2) : null,
    };
  });

  return {
    since: since.toISOString(),
    until: now.toISOString(),
    tickets: { created: cohort.length, resolved: resolved.length },
    firstResponse: { overall: stat(responded.map(frt)), byPriority: grouped(responded, (t) => t.priority, frt), byCategory: grouped(responded, (t) => t.category ?? 'none', frt) },
    resolution: { overall: stat(resolved.map(rt)), byPriority: grouped(resolved, (r) => r.t.priority, rt), byCategory: grouped(resolved, (r) => r.t.category ?? 'none', rt) },
    firstContactResolution: rate(firstContact.length, resolved.length, TARGETS.firstContactResolution),
    reopened: rate(reopened.length, everResolved.length, TARGETS.reopened),
    escalation: rate(escalated.length, cohort.length, TARGETS.escalation),
    csat: { responses: ratings.length, surveysSent: input.surveysSent, average, satisfied: rate(ratings.filter((r) => r.rating >= 4).length, ratings.length, TARGETS.csatSatisfied), distribution },
    sla: {
      firstResponse: rate(frEligible.filter((t) => !breached(t, 'first_response_breached')).length, frEligible.length),
      resolution: rate(resEligible.filter((t) => !breached(t, 'resolution_breached')).length, resEligible.length),
    },
    backlog: { total: open.length, byStatus, byAge },
    agents,
    withoutPrevention: resolvedInPeriod.filter((r) => !r.t.resolution?.trim()).map((r) => ({ ref: r.t.ref, subject: r.t.subject, resolvedAt: r.at.toISOString() })),
    kbCandidates: counted
      .filter((t) => t.tags.includes('kb'))
      .map((t) => {
        const note = evs(t.ref).filter((e) => e.type === 'kb_candidate' && typeof e.data['note'] === 'string').at(-1)?.data['note'];
        return { ref: t.ref, subject: t.subject, note: typeof note === 'string' ? note : null };
      }),
  };
}
