import { templateVars, type TemplateVars, type TemplateVarsInput } from './context.js';

/**
 * A sample ticket with every variable filled in: what `deskmail templates preview NAME` renders
 * without --ticket, and what the tests render every shipped template with.
 */
export function sampleVars(helpdesk: { name: string; address: string }, ref = 'HD-42'): TemplateVars {
  return templateVars(sampleInput(helpdesk, ref));
}

/** The sample before templateVars fills in the rest: for a test that changes a few fields. */
export function sampleInput(helpdesk: { name: string; address: string }, ref = 'HD-42'): TemplateVarsInput & Pick<TemplateVars, 'agent' | 'message' | 'results' | 'forged'> {
  return {
    helpdesk,
    ticket: {
      ref,
      subject: 'The printer on floor 2 prints blank pages',
      status: 'in_progress',
      statusText: 'in progress',
      priority: 'P2',
      category: 'hardware',
      tags: ['printer', 'floor-2'],
      assignee: { name: 'Bob Agent', email: 'bob@example.com' },
      resolution: 'Replaced the toner cartridge; the printer now warns before it runs empty.',
      mergedInto: null,
    },
    requester: { email: 'alice@example.com', name: 'Alice Customer' },
    agent: { name: 'Bob Agent', email: 'bob@example.com' },
    note: 'Replaced the toner cartridge; the printer now warns before it runs empty.',
    message: { body: 'Hello,\n\nsince this morning the printer only prints blank pages.\nCan you help?', from: 'Alice Customer <alice@example.com>' },
    updates: { workBegun: true, waitingForYou: false, escalated: false, resolved: false, closed: false, project: false, merged: false },
    results: [{ line: '#assign me', ok: true, message: 'assigned to Bob Agent <bob@example.com>' }],
    applied: true,
    warnings: [],
    verbs: null,
    forged: { from: 'bob@example.com', subject: `Re: [${ref}] The printer on floor 2 prints blank pages`, reason: 'DMARC failed for example.com' },
    verifyWindowHours: 48,
    sizeLimitMb: 35,
    alert: { kind: 'first_response', title: 'First response due', dueAt: '2026-11-23T11:00:00.000Z' },
  };
}
