import type { Queryable } from './db.js';

export type AgentRole = 'agent' | 'lead' | 'admin';

export interface AgentRow {
  id: number;
  email: string;
  name: string;
  role: AgentRole;
  skills: string[];
  active: boolean;
  created_at: Date;
  /** Away (no auto-assignment) until this instant; see src/store/availability.ts. */
  away_until: Date | null;
  away_note: string | null;
}

/** Adds an agent, or updates name/role/skills of an existing one (re-adding reactivates). */
export async function upsertAgent(q: Queryable, a: { email: string; name: string; role: AgentRole; skills: string[] }): Promise<AgentRow> {
  const [row] = await q('agents')
    .insert({ email: a.email, name: a.name, role: a.role, skills: JSON.stringify(a.skills), active: true })
    .onConflict('email')
    .merge(['name', 'role', 'skills', 'active'])
    .returning('*');
  return row as AgentRow;
}

export async function listAgents(q: Queryable): Promise<AgentRow[]> {
  return q<AgentRow>('agents').where({ active: true }).orderBy('email');
}

export async function findAgentByEmail(q: Queryable, email: string): Promise<AgentRow | undefined> {
  return q<AgentRow>('agents').where({ email: email.toLowerCase(), active: true }).first();
}

/** Deactivates rather than deletes: the history still names who did what. Returns false if unknown. */
export async function removeAgent(q: Queryable, email: string): Promise<boolean> {
  const n = await q('agents').where({ email: email.toLowerCase(), active: true }).update({ active: false });
  return n > 0;
}

/** Active agents with how many open tickets each holds (for #assign and the workload cap). */
export async function agentsWithLoad(q: Queryable): Promise<(AgentRow & { open_tickets: number })[]> {
  const rows = (await q('agents')
    .leftJoin('tickets', function () {
      this.on('tickets.assignee_id', '=', 'agents.id').andOnNotIn('tickets.status', ['resolved', 'closed']);
    })
    .where('agents.active', true)
    .groupBy('agents.id')
    .orderBy('agents.email')
    .select('agents.*')
    .count('tickets.id as open_tickets')) as (AgentRow & { open_tickets: string | number })[];
  return rows.map((r) => ({ ...r, open_tickets: Number(r.open_tickets) }));
}

export async function findAgentById(q: Queryable, id: number): Promise<AgentRow | undefined> {
  return q<AgentRow>('agents').where({ id }).first();
}
