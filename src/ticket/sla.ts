import type { Priority, TicketStatus } from '../store/tickets.js';
import { DEFAULT_ASSIGNMENT, type AssignmentSettings } from './assignment.js';
import { addWorkingMinutes, type BusinessHours } from './business-hours.js';

export { addWorkingMinutes, type BusinessHours } from './business-hours.js';

/**
 * SLA targets and the timers they imply, as pure functions of a ticket's state and a clock.
 * Seeds 001–004: per-priority first-response and resolution targets (business hours optional);
 * at-risk and breached tickets are raised once each; a customer not updated for a working day →
 * reminder to the assignee; open more than 3 days → raised with the ops lead; unresolved after X
 * hours → escalated to the next tier; resolved tickets close after 48 h without a reply.
 */
export interface SlaTargets {
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

export interface SlaPolicy {
  name: string;
  targets: Record<Priority, SlaTargets>;
}

export interface SlaSettings {
  policies: Record<string, SlaPolicy>;
  businessHours: BusinessHours | undefined;
  /** Fraction of a target elapsed at which the ticket is "at risk". */
  atRiskFraction: number;
  customerUpdateReminderMinutes: number;
  openTooLongMinutes: number;
  autoEscalateMinutes: number | undefined;
  autoCloseResolvedMinutes: number;
  /** Auto-assignment (the SLA file's assignment: section); off by default. */
  assignment: AssignmentSettings;
}

export const DEFAULT_SLA: SlaSettings = {
  policies: {
    default: {
      name: 'default',
      targets: {
        P1: { firstResponseMinutes: 60, resolutionMinutes: 4 * 60 },
        P2: { firstResponseMinutes: 4 * 60, resolutionMinutes: 24 * 60 },
        P3: { firstResponseMinutes: 8 * 60, resolutionMinutes: 3 * 24 * 60 },
        P4: { firstResponseMinutes: 24 * 60, resolutionMinutes: 7 * 24 * 60 },
      },
    },
    vip: {
      name: 'vip',
      targets: {
        P1: { firstResponseMinutes: 30, resolutionMinutes: 2 * 60 },
        P2: { firstResponseMinutes: 2 * 60, resolutionMinutes: 8 * 60 },
        P3: { firstResponseMinutes: 4 * 60, resolutionMinutes: 24 * 60 },
        P4: { firstResponseMinutes: 8 * 60, resolutionMinutes: 3 * 24 * 60 },
      },
    },
  },
  businessHours: undefined,
  atRiskFraction: 0.8,
  customerUpdateReminderMinutes: 24 * 60,
  openTooLongMinutes: 3 * 24 * 60,
  autoEscalateMinutes: undefined,
  autoCloseResolvedMinutes: 48 * 60,
  assignment: DEFAULT_ASSIGNMENT,
};

export type TimerKind =
  | 'first_response_at_risk'
  | 'first_response_breached'
  | 'resolution_at_risk'
  | 'resolution_breached'
  | 'customer_update_reminder'
  | 'open_too_long'
  | 'auto_escalate'
  | 'auto_close';

/** Timers that fire at most once in a ticket's life; the others are rescheduled as the ticket moves. */
export const ONCE_KINDS: readonly TimerKind[] = ['first_response_at_risk', 'first_response_breached', 'resolution_at_risk', 'resolution_breached', 'open_too_long', 'auto_escalate'];

export interface TicketClock {
  status: TicketStatus;
  priority: Priority;
  slaPolicy: string | null;
  createdAt: Date;
  firstResponseAt: Date | null;
  /** The last mail from an agent to the customer (or creation, when none). */
  lastCustomerUpdateAt: Date;
  resolvedAt: Date | null;
  escalated: boolean;
}

const MINUTE = 60_000;

export function policyFor(settings: SlaSettings, name: string | null): SlaPolicy {
  return settings.policies[name ?? 'default'] ?? settings.policies['default'] ?? DEFAULT_SLA.policies['default']!;
}

/**
 * The timers a ticket should have now. Fired once-only kinds are left out by the caller; the
 * result is what to (re)schedule. Open statuses count time; waiting on the customer pauses nothing
 * here (targets are about us answering), but resolved and closed tickets stop SLA clocks.
 */
export function plannedTimers(t: TicketClock, s: SlaSettings): { kind: TimerKind; dueAt: Date }[] {
  const out: { kind: TimerKind; dueAt: Date }[] = [];
  const bh = s.businessHours;
  const targets = policyFor(s, t.slaPolicy).targets[t.priority];
  const open = t.status !== 'resolved' && t.status !== 'closed';
  if (open) {
    if (t.firstResponseAt === null) {
      out.push({ kind: 'first_response_at_risk', dueAt: addWorkingMinutes(t.createdAt, Math.floor(targets.firstResponseMinutes * s.atRiskFraction), bh) });
      out.push({ kind: 'first_response_breached', dueAt: addWorkingMinutes(t.createdAt, targets.firstResponseMinutes, bh) });
    }
    out.push({ kind: 'resolution_at_risk', dueAt: addWorkingMinutes(t.createdAt, Math.floor(targets.resolutionMinutes * s.atRiskFraction), bh) });
    out.push({ kind: 'resolution_breached', dueAt: addWorkingMinutes(t.createdAt, targets.resolutionMinutes, bh) });
    if (t.status !== 'new' && t.status !== 'reviewing' && t.status !== 'waiting_customer') {
      out.push({ kind: 'customer_update_reminder', dueAt: addWorkingMinutes(t.lastCustomerUpdateAt, s.customerUpdateReminderMinutes, bh) });
    }
    out.push({ kind: 'open_too_long', dueAt: new Date(t.createdAt.getTime() + s.openTooLongMinutes * MINUTE) });
    if (s.autoEscalateMinutes !== undefined && !t.escalated) out.push({ kind: 'auto_escalate', dueAt: addWorkingMinutes(t.createdAt, s.autoEscalateMinutes, bh) });
  }
  if (t.status === 'resolved' && t.resolvedAt) out.push({ kind: 'auto_close', dueAt: new Date(t.resolvedAt.getTime() + s.autoCloseResolvedMinutes * MINUTE) });
  return out;
}

/** Parses "90m", "4h", "2d", "1w" (or a bare number of minutes) into minutes. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase()[0];
  return Math.round(n * (unit === 'h' ? 60 : unit === 'd' ? 1440 : unit === 'w' ? 10080 : 1));
}

/** 90 → "1h30m", 4320 → "3d": how durations are printed back. */
export function formatMinutes(m: number): string {
  if (m % 1440 === 0) return `${m / 1440}d`;
  if (m >= 60) return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${m}m`;
}
