import { humanStatus, isAllowed, type Action } from '../machine.js';
import { fail, type CommandEffects, type CommandOutcome } from './types.js';

/** The transition check every verb starts with; undefined when allowed. */
export function notAllowed(effects: CommandEffects, action: Action, verb: string): CommandOutcome | undefined {
  if (isAllowed(action, effects.draft.status)) return undefined;
  return fail(`#${verb} is not allowed while the ticket is ${humanStatus(effects.draft.status)}`);
}

export function needsNote(args: string, verb: string, why: string): CommandOutcome | undefined {
  return args.trim() === '' ? fail(`#${verb} needs a note: ${why}`) : undefined;
}

export function event(effects: CommandEffects, type: string, data: Record<string, unknown> = {}): void {
  effects.events.push({ type, data });
}
