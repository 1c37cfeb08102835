import { z } from 'zod';
import type { AppContext } from '../context.js';
import { DeskmailError } from '../errors.js';
import { listAgents, removeAgent, upsertAgent, type AgentRole } from '../store/agents.js';

const ROLES: AgentRole[] = ['agent', 'lead', 'admin'];

export async function agentsAdd(ctx: AppContext, email: string, opts: { name?: string; skills?: string; role?: string }): Promise<string> {
  const address = z.string().trim().toLowerCase().regex(/^[^\s@<>]+@[^\s@<>]+\.?[^\s@<>]*$/).safeParse(email);
  if (!address.success) throw new DeskmailError('USAGE', `not an email address: ${email}`);
  const role = (opts.role ?? 'agent').toLowerCase();
  if (!ROLES.includes(role as AgentRole)) throw new DeskmailError('USAGE', `--role must be one of ${ROLES.join(', ')}, got: ${opts.role}`);
  const skills = (opts.skills ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const name = opts.name?.trim() || address.data.split('@')[0]!;
  const agent = await upsertAgent(ctx.db, { email: address.data, name, role: role as AgentRole, skills });
  return `agent ${agent.email} (${agent.name}, ${agent.role}${agent.skills.length ? `, skills ${agent.skills.join(',')}` : ''}) saved`;
}

export async function agentsList(ctx: AppContext, opts: { json?: boolean }): Promise<string> {
  const agents = await listAgents(ctx.db);
  const now = Date.now();
  // An away mark that has passed is no longer shown: the agent is available again.
  const away = (a: (typeof agents)[number]): { until: string; note: string | null } | null =>
    a.away_until && new Date(a.away_until).getTime() > now ? { until: new Date(a.away_until).toISOString(), note: a.away_note } : null;
  const list = agents.map((a) => ({ email: a.email, name: a.name, role: a.role, skills: a.skills, away: away(a), createdAt: new Date(a.created_at).toISOString() }));
  if (opts.json) return JSON.stringify(list, null, 2);
  if (list.length === 0) return 'no agents';
  return list
    .map((a) => `${a.email.padEnd(32)} ${a.role.padEnd(6)} ${a.name}${a.skills.length ? `  [${a.skills.join(', ')}]` : ''}${a.away ? `  away until ${a.away.until}${a.away.note ? ` (${a.away.note})` : ''}` : ''}`)
    .join('\n');
}

export async function agentsRemove(ctx: AppContext, email: string): Promise<string> {
  if (!(await removeAgent(ctx.db, email))) throw new DeskmailError('NOT_FOUND', `no agent ${email}`);
  return `agent ${email.toLowerCase()} removed`;
}
