import { assignTo } from './assign.js';
import { event, notAllowed } from './guard.js';
import { ok, type CommandHandler } from './types.js';

/** Work begins (seed 002: the customer hears that work has begun). */
export const start: CommandHandler = (effects, _args, env) => {
  const blocked = notAllowed(effects, 'start', 'start');
  if (blocked) return blocked;
  const extra = effects.draft.assigneeId === null ? `; ${assignTo(effects, env.actor, env)}` : '';
  effects.draft.status = 'in_progress';
  event(effects, 'status_changed', { to: 'in_progress' });
  effects.notices.push({ kind: 'work_begun', audience: 'requester' });
  return ok(`work started${extra}`);
};
