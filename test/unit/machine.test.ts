import { describe, expect, it } from 'vitest';
import type { TicketStatus } from '../../src/store/tickets.js';
import {
  ALLOWED_FROM,
  humanStatus,
  isAllowed,
  isOpen,
  OPEN_STATUSES,
  reopenedStatus,
  STATUSES,
  statusAfterAssign,
  statusAfterCustomerReply,
  type Action,
} from '../../src/ticket/machine.js';

/**
 * The lifecycle written out by hand from the contract and the seeds, one row per action, one
 * column per status. `x` = allowed, `.` = refused. Columns, in order:
 *
 *   new  reviewing  assigned  in_progress  waiting_customer  waiting_third_party  resolved  closed
 *
 * Reasoning, row by row:
 * - assign/escalate/priority/resolve/merge/project: only while the ticket is open (reopen first).
 * - release: only when someone could hold it (assigned onwards, while open); new/reviewing sit in the queue already.
 * - start: anything open that is not already in progress (seed 002: "marks ticket as In Progress").
 * - wait customer / wait vendor: anything open that is not already waiting on that party.
 * - category/tag/note: bookkeeping, fine at any time (also on closed tickets, for reports).
 * - close: open or resolved (seed 003: resolve → verify → close); a closed ticket cannot be closed again.
 * - reopen: only resolved or closed (seed 003/004: "if not resolved: reopen").
 * - approve: triage only, new or reviewing (seed 001: the Operations Lead marks it Approved).
 * - spam: open or resolved; a closed ticket is done with.
 * - customer_reply: the customer may always write.
 * - file_bug: while open (a second bug may join a ticket already waiting on the developers).
 * - bug_fixed: only a ticket still waiting on the developers goes back to in_progress.
 */
const EXPECTED: Record<Action, string> = {
  //               new rev asg prg wcu wtp res clo
  assign:         'x   x   x   x   x   x   .   .',
  release:        '.   .   x   x   x   x   .   .',
  start:          'x   x   x   .   x   x   .   .',
  wait_customer:  'x   x   x   x   .   x   .   .',
  wait_vendor:    'x   x   x   x   x   .   .   .',
  escalate:       'x   x   x   x   x   x   .   .',
  set_priority:   'x   x   x   x   x   x   .   .',
  set_category:   'x   x   x   x   x   x   x   x',
  tag:            'x   x   x   x   x   x   x   x',
  note:           'x   x   x   x   x   x   x   x',
  resolve:        'x   x   x   x   x   x   .   .',
  close:          'x   x   x   x   x   x   x   .',
  reopen:         '.   .   .   .   .   .   x   x',
  merge:          'x   x   x   x   x   x   .   .',
  approve:        'x   x   .   .   .   .   .   .',
  project:        'x   x   x   x   x   x   .   .',
  spam:           'x   x   x   x   x   x   x   .',
  customer_reply: 'x   x   x   x   x   x   x   x',
  file_bug:       'x   x   x   x   x   x   .   .',
  bug_fixed:      '.   .   .   .   .   x   .   .',
};

const COLUMNS: TicketStatus[] = ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer', 'waiting_third_party', 'resolved', 'closed'];

function expectedAllowed(action: Action, status: TicketStatus): boolean {
  const cells = EXPECTED[action].trim().split(/\s+/);
  return cells[COLUMNS.indexOf(status)] === 'x';
}

const ACTIONS = Object.keys(EXPECTED) as Action[];
const TABLE: [Action, TicketStatus, boolean][] = ACTIONS.flatMap((action) => STATUSES.map((status): [Action, TicketStatus, boolean] => [action, status, expectedAllowed(action, status)]));

describe('the lifecycle table', () => {
  it('knows every status of the contract, in order, and which of them are open', () => {
    expect([...STATUSES]).toEqual(COLUMNS);
    expect([...OPEN_STATUSES]).toEqual(['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer', 'waiting_third_party']);
    for (const s of STATUSES) expect(isOpen(s)).toBe(s !== 'resolved' && s !== 'closed');
  });

  it('has a rule for every action, and the expected table covers exactly those actions', () => {
    expect(Object.keys(ALLOWED_FROM).sort()).toEqual([...ACTIONS].sort());
    for (const action of ACTIONS) expect(EXPECTED[action].trim().split(/\s+/)).toHaveLength(COLUMNS.length);
  });

  it.each(TABLE)('%s on a %s ticket: allowed = %s', (action, status, allowed) => {
    expect(isAllowed(action, status)).toBe(allowed);
  });
});

describe('where a ticket goes', () => {
  const customerReply: [TicketStatus, boolean, TicketStatus, boolean][] = [
    // status, has assignee, → status, reopened
    ['new', false, 'new', false],
    ['reviewing', false, 'reviewing', false],
    ['assigned', true, 'assigned', false],
    ['in_progress', true, 'in_progress', false],
    ['waiting_customer', true, 'in_progress', false],
    ['waiting_customer', false, 'in_progress', false],
    ['waiting_third_party', true, 'waiting_third_party', false],
    ['resolved', true, 'assigned', true],
    ['resolved', false, 'new', true],
    ['closed', true, 'assigned', true],
    ['closed', false, 'new', true],
  ];
  it.each(customerReply)('a customer reply on a %s ticket (assignee: %s) leaves it %s (reopened: %s)', (status, hasAssignee, next, reopened) => {
    expect(statusAfterCustomerReply(status, hasAssignee)).toEqual({ status: next, reopened });
  });

  it('every status has an answer for a customer reply, and only a finished ticket is reopened by one', () => {
    for (const s of STATUSES) {
      for (const hasAssignee of [true, false]) {
        const next = statusAfterCustomerReply(s, hasAssignee);
        expect(next.reopened).toBe(s === 'resolved' || s === 'closed');
        expect(isOpen(next.status)).toBe(true);
      }
    }
  });

  const afterAssign: [TicketStatus, TicketStatus][] = [
    ['new', 'assigned'],
    ['reviewing', 'assigned'],
    ['assigned', 'assigned'],
    ['in_progress', 'assigned'],
    ['waiting_customer', 'waiting_customer'],
    ['waiting_third_party', 'waiting_third_party'],
  ];
  it.each(afterAssign)('assigning a %s ticket leaves it %s (a wait on someone else is kept)', (status, next) => {
    expect(statusAfterAssign(status)).toBe(next);
  });

  it('a reopened ticket goes back to its owner as assigned, or to the queue as new when nobody owns it', () => {
    expect(reopenedStatus(true)).toBe('assigned');
    expect(reopenedStatus(false)).toBe('new');
  });

  it('statuses read as words in messages to people', () => {
    expect(humanStatus('waiting_third_party')).toBe('waiting third party');
    expect(humanStatus('in_progress')).toBe('in progress');
    expect(humanStatus('new')).toBe('new');
  });
});
