import type { AgentRole } from '../../store/agents.js';
import type { Priority, TicketStatus } from '../../store/tickets.js';

/** What the commands need to know of an agent. */
export interface AgentInfo {
  id: number;
  email: string;
  name: string;
  role: AgentRole;
  openTickets: number;
  /** Set while the agent is away (deskmail agents away): #assign still works, and says so. */
  awayUntil?: Date | null;
  awayNote?: string | null;
}

/** A ticket as the commands see and change it: plain values, no database. */
export interface TicketDraft {
  id: number;
  ref: string;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  category: string | null;
  tags: string[];
  assigneeId: number | null;
  requesterEmail: string;
  approved: boolean;
  escalated: boolean;
  resolution: string | null;
}

/** Notifications the commands ask for; the shell renders and queues them in the same transaction. */
export type NoticeKind = 'assigned' | 'work_begun' | 'waiting_for_you' | 'escalated' | 'resolved' | 'closed' | 'project' | 'reopened' | 'merged';

export interface Notice {
  kind: NoticeKind;
  audience: 'requester' | 'assignee' | 'leads';
  note?: string;
}

export interface PendingEvent {
  type: string;
  data: Record<string, unknown>;
}

/** Everything a mail's commands did to a ticket, applied together or not at all. */
export interface CommandEffects {
  draft: TicketDraft;
  events: PendingEvent[];
  notices: Notice[];
  /** #note: the agent's text stays internal. */
  internal: boolean;
  mergeInto: string | undefined;
  blockSender: boolean;
  help: boolean;
  /** #bug: bugs to file (summary) or items to link (key), in the shell's transaction. */
  bugs: BugRequest[];
  /** Lines for the agent's result reply (warnings that do not fail the command, e.g. over the workload cap). */
  warnings: string[];
}

export type BugRequest = { summary: string; key?: undefined } | { key: string; summary?: undefined };

export interface CommandEnv {
  actor: AgentInfo;
  agents: AgentInfo[];
  maxOpenPerAgent: number;
  /** Tickets named by #merge, looked up before the commands run. */
  tickets: Map<string, { id: number; ref: string; status: TicketStatus }>;
  ticketPrefix: string;
  /** The default development tracker (#bug); absent when none is configured. */
  tracker?: { name: string; keyPattern: RegExp } | undefined;
  /** The moment the mail is handled (whether an agent is still away); the clock when absent. */
  now?: Date;
}

export type CommandOutcome = { ok: true; done: string } | { ok: false; why: string };

export type CommandHandler = (effects: CommandEffects, args: string, env: CommandEnv) => CommandOutcome;

export function ok(done: string): CommandOutcome {
  return { ok: true, done };
}

export function fail(why: string): CommandOutcome {
  return { ok: false, why };
}
