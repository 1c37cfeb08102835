import type { TicketStatus } from '../store/tickets.js';

/**
 * The ticket lifecycle as a table: which action is allowed from which status, and where it leads.
 * Pure; tested as a table (every action × every status).
 */
export const STATUSES: readonly TicketStatus[] = ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer', 'waiting_third_party', 'resolved', 'closed'];
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer', 'waiting_third_party'];

export type Action =
  | 'assign'
  | 'release'
  | 'start'
  | 'wait_customer'
  | 'wait_vendor'
  | 'escalate'
  | 'set_priority'
  | 'set_category'
  | 'tag'
  | 'note'
  | 'resolve'
  | 'close'
  | 'reopen'
  | 'merge'
  | 'approve'
  | 'project'
  | 'spam'
  | 'customer_reply'
  | 'file_bug'
  | 'bug_fixed';

const ANY = STATUSES;
const OPEN = OPEN_STATUSES;
const DONE: readonly TicketStatus[] = ['resolved', 'closed'];

/** From which statuses each action may be taken. */
export const ALLOWED_FROM: Record<Action, readonly TicketStatus[]> = {
  assign: OPEN,
  release: ['assigned', 'in_progress', 'waiting_customer', 'waiting_third_party'],
  start: ['new', 'reviewing', 'assigned', 'waiting_customer', 'waiting_third_party'],
  wait_customer: ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_third_party'],
  wait_vendor: ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer'],
  escalate: OPEN,
  set_priority: OPEN,
  set_category: ANY,
  tag: ANY,
  note: ANY,
  resolve: OPEN,
  close: [...OPEN, 'resolved'],
  reopen: DONE,
  merge: OPEN,
  approve: ['new', 'reviewing'],
  project: OPEN,
  spam: [...OPEN, 'resolved'],
  customer_reply: ANY,
  // #bug: filing (or linking) a bug parks the ticket on the developers (waiting_third_party).
  file_bug: OPEN,
  // The tracker says the item is done: work resumes, so the assignee can verify with the customer.
  bug_fixed: ['waiting_third_party'],
};

export function isAllowed(action: Action, status: TicketStatus): boolean {
  return ALLOWED_FROM[action].includes(status);
}

export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** Where a reopened ticket goes (contract: back to assigned or in_progress). */
export function reopenedStatus(hasAssignee: boolean): TicketStatus {
  return hasAssignee ? 'assigned' : 'new';
}

/** Status after (re)assignment: the new owner has not started yet, unless the ticket waits on someone. */
export function statusAfterAssign(status: TicketStatus): TicketStatus {
  return status === 'waiting_customer' || status === 'waiting_third_party' ? status : 'assigned';
}

/** What a customer's reply does to the status (seed 003/004: reply on waiting → work resumes; on resolved → reopen). */
export function statusAfterCustomerReply(status: TicketStatus, hasAssignee: boolean): { status: TicketStatus; reopened: boolean } {
  if (status === 'waiting_customer') return { status: 'in_progress', reopened: false };
  if (status === 'resolved' || status === 'closed') return { status: reopenedStatus(hasAssignee), reopened: true };
  return { status, reopened: false };
}

export function humanStatus(status: TicketStatus): string {
  return status.replace(/_/g, ' ');
}
