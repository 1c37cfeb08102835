import { assign } from './assign.js';
import { nearest } from '../../nearest.js';
import { bug } from './bug.js';
import { escalate } from './escalate.js';
import { kb } from './kb.js';
import { category, priority, tag, untag } from './fields.js';
import { release } from './release.js';
import { approve, close, help, merge, note, project, reopen, resolve, spam } from './resolve.js';
import { start } from './start.js';
import type { CommandEffects, CommandEnv, CommandHandler, TicketDraft } from './types.js';
import { wait } from './wait.js';

export type { AgentInfo, BugRequest, CommandEffects, CommandEnv, Notice, NoticeKind, TicketDraft } from './types.js';

/** The verbs, with a one-line description each (`#help` prints them). */
export const VERBS: Record<string, { handler: CommandHandler; usage: string }> = {
  assign: { handler: assign, usage: '#assign EMAIL|NAME|me — give the ticket an owner' },
  release: { handler: release, usage: '#release NOTE — hand it back to the queue with a hand-off note' },
  start: { handler: start, usage: '#start — work begins (the customer is told)' },
  wait: { handler: wait, usage: '#wait customer|vendor — waiting on the customer or a third party' },
  escalate: { handler: escalate, usage: '#escalate NOTE — raise it to the leads' },
  priority: { handler: priority, usage: '#priority P1..P4|critical|high|medium|low' },
  category: { handler: category, usage: '#category NAME' },
  tag: { handler: tag, usage: '#tag T… — add tags' },
  untag: { handler: untag, usage: '#untag T… — remove tags' },
  note: { handler: note, usage: '#note — keep this mail internal (not sent to the customer)' },
  resolve: { handler: resolve, usage: '#resolve NOTE — resolved; the note says what would prevent it next time' },
  close: { handler: close, usage: '#close — close the ticket' },
  reopen: { handler: reopen, usage: '#reopen — reopen a resolved or closed ticket' },
  merge: { handler: merge, usage: '#merge REF — merge this ticket into another' },
  approve: { handler: approve, usage: '#approve — triage: this is support work' },
  project: { handler: project, usage: '#project NOTE — triage: project work; closed and the customer told why' },
  spam: { handler: spam, usage: '#spam — close silently and drop further mail from the sender' },
  bug: { handler: bug, usage: '#bug SUMMARY|KEY — file a bug in the development tracker (text after it: the steps) or link an existing item' },
  kb: { handler: kb, usage: '#kb [NOTE] — knowledge-base candidate: someone should write the article' },
  help: { handler: help, usage: '#help — this list and the ticket\'s state' },
};

/** Common aliases, mapped to a verb and (optionally) arguments placed before the given ones. */
const ALIASES: Record<string, { verb: string; args?: string }> = {
  mine: { verb: 'assign', args: 'me' },
  take: { verb: 'assign', args: 'me' },
  own: { verb: 'assign', args: 'me' },
  claim: { verb: 'assign', args: 'me' },
  unassign: { verb: 'release' },
  handoff: { verb: 'release' },
  solved: { verb: 'resolve' },
  solve: { verb: 'resolve' },
  done: { verb: 'resolve' },
  fixed: { verb: 'resolve' },
  resolved: { verb: 'resolve' },
  closed: { verb: 'close' },
  pending: { verb: 'wait', args: 'customer' },
  prio: { verb: 'priority' },
  p: { verb: 'priority' },
  cat: { verb: 'category' },
  internal: { verb: 'note' },
  comment: { verb: 'note' },
  approved: { verb: 'approve' },
  working: { verb: 'start' },
  inprogress: { verb: 'start' },
  escalation: { verb: 'escalate' },
  tags: { verb: 'tag' },
  knowledgebase: { verb: 'kb' },
  article: { verb: 'kb' },
  '?': { verb: 'help' },
};

/** `#status X` maps onto the verb that reaches status X. */
const STATUS_WORDS: Record<string, { verb: string; args?: string }> = {
  resolved: { verb: 'resolve' },
  solved: { verb: 'resolve' },
  closed: { verb: 'close' },
  in_progress: { verb: 'start' },
  'in-progress': { verb: 'start' },
  inprogress: { verb: 'start' },
  started: { verb: 'start' },
  waiting_customer: { verb: 'wait', args: 'customer' },
  pending: { verb: 'wait', args: 'customer' },
  waiting_third_party: { verb: 'wait', args: 'vendor' },
  open: { verb: 'reopen' },
  reopened: { verb: 'reopen' },
  spam: { verb: 'spam' },
};

function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export interface CommandLine {
  verb: string;
  args: string;
  line: string;
}

/** Splits the new part of an agent's mail into command lines and the rest (the reply text). */
export function extractCommands(body: string): { commands: CommandLine[]; text: string } {
  const commands: CommandLine[] = [];
  const kept: string[] = [];
  for (const line of body.replace(/\r\n/g, '\n').split('\n')) {
    const m = /^\s*#([A-Za-z?][\w?-]*)(?:[ \t:]+(.*))?$/.exec(line);
    if (m) commands.push({ verb: m[1]!.toLowerCase(), args: (m[2] ?? '').trim(), line: line.trim() });
    else kept.push(line);
  }
  return { commands, text: kept.join('\n').replace(/^\s*\n+/, '').replace(/\s+$/, '') };
}

export function nearestVerb(word: string): string {
  return nearest(word, [...Object.keys(VERBS), ...Object.keys(ALIASES)])!.word;
}

/** Resolves aliases and `#status X`; returns the verb and its arguments, or why not. */
export function resolveVerb(cmd: CommandLine): { verb: string; args: string } | { error: string } {
  const word = cmd.verb.replace(/-/g, '_');
  // Own properties only: "#constructor" must be an unknown command, not Object.prototype's.
  if (Object.hasOwn(VERBS, word)) return { verb: word, args: cmd.args };
  const alias = lookup(ALIASES, word) ?? lookup(ALIASES, word.replace(/_/g, ''));
  if (alias) return { verb: alias.verb, args: [alias.args, cmd.args].filter(Boolean).join(' ') };
  if (word === 'status') {
    const [first = '', ...rest] = cmd.args.split(/\s+/);
    const target = lookup(STATUS_WORDS, first.toLowerCase());
    if (!target) return { error: `#status ${first}: unknown status; use one of ${Object.keys(STATUS_WORDS).join(', ')}` };
    return { verb: target.verb, args: [target.args, rest.join(' ')].filter(Boolean).join(' ') };
  }
  if (/^p[1-4]$/.test(word)) return { verb: 'priority', args: word };
  return { error: `unknown command #${cmd.verb}; did you mean #${nearestVerb(word)}?` };
}

export interface LineResult {
  line: string;
  ok: boolean;
  message: string;
}

/**
 * Runs a mail's commands against a copy of the ticket. All or nothing: `applied` is true only when
 * every line succeeded; otherwise the caller must apply none of the effects and reply with the reasons.
 */
export function runCommands(ticket: TicketDraft, commands: CommandLine[], env: CommandEnv): { applied: boolean; results: LineResult[]; effects: CommandEffects } {
  const effects: CommandEffects = {
    draft: { ...ticket, tags: [...ticket.tags] },
    events: [],
    notices: [],
    internal: false,
    mergeInto: undefined,
    blockSender: false,
    help: false,
    warnings: [],
    bugs: [],
  };
  const results: LineResult[] = [];
  for (const cmd of commands) {
    const resolved = resolveVerb(cmd);
    if ('error' in resolved) {
      results.push({ line: cmd.line, ok: false, message: resolved.error });
      continue;
    }
    const outcome = VERBS[resolved.verb]!.handler(effects, resolved.args, env);
    results.push({ line: cmd.line, ok: outcome.ok, message: outcome.ok ? outcome.done : outcome.why });
  }
  return { applied: results.every((r) => r.ok), results, effects };
}
