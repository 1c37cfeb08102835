import { event, notAllowed } from './guard.js';
import { fail, ok, type CommandHandler } from './types.js';

/**
 * #bug SUMMARY files a bug in the development tracker; #bug KEY links an existing item (several
 * tickets, one bug: the "known issue"). Either way the ticket becomes category Bug and waits on
 * the developers. The mail's text after the #bug line is the steps for the report, so it stays
 * internal (never sent to the customer).
 */
export const bug: CommandHandler = (effects, args, env) => {
  if (!env.tracker) return fail('#bug: no development tracker is configured (set DESKMAIL_TRACKERS, see the README)');
  const blocked = notAllowed(effects, 'file_bug', 'bug');
  if (blocked) return blocked;
  const text = args.trim().replace(/^\[(.*)\]$/, '$1').trim();
  if (!text) return fail('#bug needs a summary (files a new bug) or an item key such as APP-123 (links it)');
  if (new RegExp(`^${env.ticketPrefix}-\\d+$`, 'i').test(text)) return fail(`#bug ${text}: that is a ticket of ours; give a tracker key or a summary (use #merge to join tickets)`);
  const keys = text.match(env.tracker.keyPattern) ?? [];
  const key = keys.length === 1 && keys[0] === text ? text : undefined;
  if (effects.draft.status !== 'waiting_third_party') {
    effects.draft.status = 'waiting_third_party';
    event(effects, 'status_changed', { to: 'waiting_third_party' });
  }
  if (effects.draft.category !== 'Bug') {
    event(effects, 'category_changed', { from: effects.draft.category, to: 'Bug' });
    effects.draft.category = 'Bug';
  }
  effects.internal = true;
  effects.bugs.push(key ? { key } : { summary: text });
  return ok(key ? `linked to ${key} in ${env.tracker.name}; waiting on development` : `bug "${text}" filed in ${env.tracker.name}; waiting on development (your text went into the report as steps)`);
};

/** The agent's steps: the mail's text after the first #bug line, other command lines left out. */
export function bugSteps(body: string): string {
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  const at = lines.findIndex((l) => /^\s*#bug\b/i.test(l));
  if (at < 0) return '';
  return lines.slice(at + 1).filter((l) => !/^\s*#[A-Za-z?]/.test(l)).join('\n').trim();
}
