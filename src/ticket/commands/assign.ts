import { statusAfterAssign } from '../machine.js';
import { event, notAllowed } from './guard.js';
import { fail, ok, type AgentInfo, type CommandHandler, type CommandEnv } from './types.js';

/** Finds an agent by "me", email, or (unique) name or name prefix. */
export function findAgent(query: string, env: CommandEnv): AgentInfo | string {
  const q = query.trim().toLowerCase();
  if (q === '' || q === 'me' || q === 'myself') return env.actor;
  const byEmail = env.agents.find((a) => a.email === q);
  if (byEmail) return byEmail;
  const byName = env.agents.filter((a) => a.name.toLowerCase() === q);
  if (byName.length === 1) return byName[0]!;
  const prefix = env.agents.filter((a) => a.name.toLowerCase().startsWith(q) || a.email.startsWith(`${q}@`));
  if (prefix.length === 1) return prefix[0]!;
  if (prefix.length > 1) return `"${query.trim()}" matches several agents: ${prefix.map((a) => a.email).join(', ')}`;
  return `no agent "${query.trim()}"; agents: ${env.agents.map((a) => a.email).join(', ') || 'none registered'}`;
}

/** The end of the agent's away mark, when it is still in force. */
function awayUntil(agent: AgentInfo, env: CommandEnv): Date | undefined {
  const until = agent.awayUntil ? new Date(agent.awayUntil) : undefined;
  return until && until.getTime() > (env.now ?? new Date()).getTime() ? until : undefined;
}

/**
 * Sets the assignee; past the workload cap it still works, and says so (seed 001: three at a time).
 * `closing`: the ticket leaves the open set in the same mail (#resolve), so the load does not grow.
 */
export function assignTo(effects: Parameters<CommandHandler>[0], agent: AgentInfo, env: CommandEnv, closing = false): string {
  const d = effects.draft;
  const previous = env.agents.find((a) => a.id === d.assigneeId);
  d.assigneeId = agent.id;
  d.status = statusAfterAssign(d.status);
  const load = agent.openTickets + 1;
  const away = awayUntil(agent, env);
  event(effects, 'assigned', { to: agent.email, from: previous?.email ?? null, openTickets: load, ...(away ? { awayUntil: away.toISOString() } : {}) });
  if (agent.id !== env.actor.id) effects.notices.push({ kind: 'assigned', audience: 'assignee' });
  if (away) effects.warnings.push(`${agent.email} is away until ${away.toISOString()}${agent.awayNote ? ` (${agent.awayNote})` : ''}`);
  if (!closing && load > env.maxOpenPerAgent) {
    const warning = `${agent.email} now holds ${load} open tickets, above the cap of ${env.maxOpenPerAgent}`;
    effects.warnings.push(warning);
    event(effects, 'workload_exceeded', { agent: agent.email, openTickets: load, cap: env.maxOpenPerAgent });
  }
  return `assigned to ${agent.name} <${agent.email}>`;
}

export const assign: CommandHandler = (effects, args, env) => {
  const blocked = notAllowed(effects, 'assign', 'assign');
  if (blocked) return blocked;
  const agent = findAgent(args, env);
  if (typeof agent === 'string') return fail(agent);
  if (effects.draft.assigneeId === agent.id) return ok(`already assigned to ${agent.email}`);
  return ok(assignTo(effects, agent, env));
};
