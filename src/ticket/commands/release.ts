import { event, needsNote, notAllowed } from './guard.js';
import { ok, type CommandHandler } from './types.js';

/** Hands the ticket back to the queue; seed 000 asks for a quality hand-off, so a note is required. */
export const release: CommandHandler = (effects, args) => {
  const blocked = notAllowed(effects, 'release', 'release') ?? needsNote(args, 'release', 'say what was done and what is next, for whoever takes it');
  if (blocked) return blocked;
  event(effects, 'released', { note: args.trim() });
  effects.draft.assigneeId = null;
  effects.draft.status = 'reviewing';
  return ok('released to the queue with your hand-off note');
};
