import { humanStatus, reopenedStatus } from '../machine.js';
import { assignTo } from './assign.js';
import { event, needsNote, notAllowed } from './guard.js';
import { fail, ok, type CommandHandler } from './types.js';

/**
 * Resolves with a prevention analysis (seed 000: every ticket ends with what would prevent it next
 * time). The sender becomes the assignee if there is none. The customer hears it and may reply
 * within the verification window to reopen it.
 */
export const resolve: CommandHandler = (effects, args, env) => {
  const blocked = notAllowed(effects, 'resolve', 'resolve') ?? needsNote(args, 'resolve', 'what fixed it and what would prevent it next time');
  if (blocked) return blocked;
  const extra = effects.draft.assigneeId === null ? `; ${assignTo(effects, env.actor, env, true)}` : '';
  effects.draft.status = 'resolved';
  effects.draft.resolution = args.trim();
  event(effects, 'resolved', { note: args.trim() });
  effects.notices.push({ kind: 'resolved', audience: 'requester', note: args.trim() });
  return ok(`resolved${extra}`);
};

export const close: CommandHandler = (effects, args) => {
  const blocked = notAllowed(effects, 'close', 'close');
  if (blocked) return blocked;
  effects.draft.status = 'closed';
  event(effects, 'closed', args.trim() ? { note: args.trim() } : {});
  effects.notices.push({ kind: 'closed', audience: 'requester' });
  return ok('closed');
};

export const reopen: CommandHandler = (effects, args, env) => {
  const blocked = notAllowed(effects, 'reopen', 'reopen');
  if (blocked) return blocked;
  const from = effects.draft.status;
  // Contract: a reopened ticket goes back to assigned or in_progress, so it needs an owner: the reopener.
  if (effects.draft.assigneeId === null) assignTo(effects, env.actor, env);
  effects.draft.status = reopenedStatus(true);
  event(effects, 'reopened', { from, by: 'agent', ...(args.trim() ? { note: args.trim() } : {}) });
  effects.notices.push({ kind: 'reopened', audience: 'requester' });
  return ok(`reopened (${humanStatus(effects.draft.status)})`);
};

/** Seed 001: triage marks support work "Approved"; it stays in the queue for someone to take. */
export const approve: CommandHandler = (effects) => {
  const blocked = notAllowed(effects, 'approve', 'approve');
  if (blocked) return blocked;
  if (effects.draft.approved) return ok('already approved');
  effects.draft.approved = true;
  if (effects.draft.status === 'new') effects.draft.status = 'reviewing';
  event(effects, 'approved', {});
  return ok('approved as support work');
};

/** Seed 001: project work disguised as support is closed with its reason, and the customer told. */
export const project: CommandHandler = (effects, args) => {
  const blocked = notAllowed(effects, 'project', 'project') ?? needsNote(args, 'project', 'say why this is project work, for the customer and the backlog');
  if (blocked) return blocked;
  effects.draft.status = 'closed';
  effects.draft.resolution = `project: ${args.trim()}`;
  if (!effects.draft.tags.includes('project')) effects.draft.tags.push('project');
  event(effects, 'project', { note: args.trim() });
  effects.notices.push({ kind: 'project', audience: 'requester', note: args.trim() });
  return ok('closed as project work; the customer is told why');
};

/** Spam: closed without a word to the sender, whose further mail is dropped. */
export const spam: CommandHandler = (effects) => {
  const blocked = notAllowed(effects, 'spam', 'spam');
  if (blocked) return blocked;
  effects.draft.status = 'closed';
  if (!effects.draft.tags.includes('spam')) effects.draft.tags.push('spam');
  effects.blockSender = true;
  event(effects, 'spam', { sender: effects.draft.requesterEmail });
  return ok(`marked as spam; further mail from ${effects.draft.requesterEmail} is dropped`);
};

export const note: CommandHandler = (effects, args) => {
  effects.internal = true;
  if (args.trim()) event(effects, 'note_added', { note: args.trim() });
  return ok('your text is kept as an internal note; the customer does not see it');
};

export const merge: CommandHandler = (effects, args, env) => {
  const blocked = notAllowed(effects, 'merge', 'merge');
  if (blocked) return blocked;
  const ref = args.trim().replace(/^\[|\]$/g, '').toUpperCase();
  if (!ref) return fail('#merge needs the reference of the ticket to merge into, e.g. #merge HD-12');
  if (ref === effects.draft.ref) return fail('#merge cannot merge a ticket into itself');
  const target = env.tickets.get(ref);
  if (!target) return fail(`#merge: no ticket ${ref}`);
  if (target.status === 'closed') return fail(`#merge: ${ref} is closed; reopen it first`);
  effects.mergeInto = target.ref;
  effects.draft.status = 'closed';
  event(effects, 'merged_into', { target: target.ref });
  effects.notices.push({ kind: 'merged', audience: 'requester', note: target.ref });
  return ok(`merged into ${target.ref}; its messages and participants moved there`);
};

export const help: CommandHandler = (effects) => {
  effects.help = true;
  return ok('help sent');
};

/** For the reopen-by-customer path, shared with the machine. */
export { reopenedStatus };
