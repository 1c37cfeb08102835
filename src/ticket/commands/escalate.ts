import { event, needsNote, notAllowed } from './guard.js';
import { ok, type CommandHandler } from './types.js';

/** Raises the ticket to the leads (seed 002/003: next tier); the customer hears it is escalated. */
export const escalate: CommandHandler = (effects, args) => {
  const blocked = notAllowed(effects, 'escalate', 'escalate') ?? needsNote(args, 'escalate', 'say why, so the next tier can act');
  if (blocked) return blocked;
  effects.draft.escalated = true;
  if (!effects.draft.tags.includes('escalated')) effects.draft.tags.push('escalated');
  event(effects, 'escalated', { note: args.trim() });
  effects.notices.push({ kind: 'escalated', audience: 'leads', note: args.trim() }, { kind: 'escalated', audience: 'requester' });
  return ok('escalated to the leads');
};
