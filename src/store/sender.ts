import type { AgentRow } from './agents.js';
import type { Queryable } from './db.js';

/**
 * What the intake asks about a sender, in one round trip (each statement of an inbound mail is a
 * round trip inside its transaction): the active agent with that address, if any, and whether the
 * address is blocked.
 */
export async function senderFacts(q: Queryable, email: string): Promise<{ agent: AgentRow | undefined; blocked: boolean }> {
  const address = email.toLowerCase();
  const result = (await q.raw(
    `SELECT a.*, EXISTS (SELECT 1 FROM blocked_senders b WHERE b.email = ?) AS sender_blocked
       FROM (SELECT 1) AS one LEFT JOIN agents a ON a.email = ? AND a.active`,
    [address, address],
  )) as { rows: (Partial<AgentRow> & { sender_blocked: boolean })[] };
  const { sender_blocked: blocked, ...agent } = result.rows[0]!;
  return { agent: agent.id === null || agent.id === undefined ? undefined : (agent as AgentRow), blocked: Boolean(blocked) };
}
