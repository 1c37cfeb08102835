import type { Priority } from '../../store/tickets.js';
import { event, notAllowed } from './guard.js';
import { fail, ok, type CommandHandler } from './types.js';

const PRIORITY_WORDS: Record<string, Priority> = {
  p1: 'P1', '1': 'P1', critical: 'P1', urgent: 'P1', blocker: 'P1',
  p2: 'P2', '2': 'P2', high: 'P2',
  p3: 'P3', '3': 'P3', medium: 'P3', normal: 'P3',
  p4: 'P4', '4': 'P4', low: 'P4',
};

export function parsePriority(word: string): Priority | undefined {
  const key = word.trim().toLowerCase();
  return Object.hasOwn(PRIORITY_WORDS, key) ? PRIORITY_WORDS[key] : undefined;
}

export const priority: CommandHandler = (effects, args) => {
  const blocked = notAllowed(effects, 'set_priority', 'priority');
  if (blocked) return blocked;
  const p = parsePriority(args);
  if (!p) return fail(`#priority needs P1..P4 or critical, high, medium, low (got "${args.trim()}")`);
  const from = effects.draft.priority;
  effects.draft.priority = p;
  event(effects, 'priority_changed', { from, to: p });
  return ok(`priority ${p}`);
};

export const category: CommandHandler = (effects, args) => {
  const blocked = notAllowed(effects, 'set_category', 'category');
  if (blocked) return blocked;
  const name = args.trim();
  if (!name) return fail('#category needs a name');
  const from = effects.draft.category;
  effects.draft.category = name;
  event(effects, 'category_changed', { from, to: name });
  return ok(`category ${name}`);
};

function tagList(args: string): string[] {
  return args.split(/[\s,]+/).map((t) => t.trim().toLowerCase().replace(/^#/, '')).filter(Boolean);
}

export const tag: CommandHandler = (effects, args) => {
  const tags = tagList(args);
  if (tags.length === 0) return fail('#tag needs at least one tag');
  const added = tags.filter((t) => !effects.draft.tags.includes(t));
  effects.draft.tags.push(...added);
  if (added.length) event(effects, 'tagged', { tags: added });
  return ok(`tagged ${tags.join(', ')}`);
};

export const untag: CommandHandler = (effects, args) => {
  const tags = tagList(args);
  if (tags.length === 0) return fail('#untag needs at least one tag');
  const removed = tags.filter((t) => effects.draft.tags.includes(t));
  effects.draft.tags = effects.draft.tags.filter((t) => !tags.includes(t));
  if (removed.length) event(effects, 'untagged', { tags: removed });
  return ok(removed.length ? `untagged ${removed.join(', ')}` : `no such tag: ${tags.join(', ')}`);
};
