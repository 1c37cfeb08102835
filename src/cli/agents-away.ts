import type { AppContext } from '../context.js';
import { DeskmailError } from '../errors.js';
import { findAgentByEmail } from '../store/agents.js';
import { clearAgentAway } from '../store/availability.js';
import { handedBackUnder, type HandedBack } from '../store/away-history.js';
import { zonedInstant } from '../ticket/business-hours.js';
import { markAwayAndHandBack } from '../workflow/hand-back.js';

/**
 * When `--until` means: a bare date is the day the agent is back (away until its first minute,
 * in the business-hours time zone, else this machine's); a date-time is taken as written.
 */
export function parseUntil(text: string, timezone: string): Date | undefined {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const day = Date.parse(`${t}T00:00:00Z`);
    if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== t) return undefined;
    return new Date(zonedInstant(day, timezone));
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(t)) return undefined;
  const at = new Date(t);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export async function agentsAway(ctx: AppContext, email: string, opts: { until: string; note?: string }, now = new Date()): Promise<string> {
  const timezone = ctx.sla.businessHours?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const until = parseUntil(opts.until, timezone);
  if (!until) throw new DeskmailError('USAGE', `--until must be a date (YYYY-MM-DD, the day they are back) or a date-time (2026-12-01T09:00+01:00), got: ${opts.until}`);
  if (until.getTime() <= now.getTime()) throw new DeskmailError('USAGE', `--until ${opts.until} is in the past`);
  const note = opts.note?.trim() || null;
  const result = await ctx.db.transaction(async (tx) => {
    const agent = await findAgentByEmail(tx, email);
    if (!agent) throw new DeskmailError('NOT_FOUND', `no agent ${email}`);
    return { agent, ...(await markAwayAndHandBack(tx, ctx, agent, until, note)) };
  });
  const lines = [`agent ${result.agent.email} is away until ${until.toISOString()}${note ? ` (${note})` : ''}: no auto-assignment until then`];
  lines.push(result.handedBack.length ? `handed back to the queue: ${result.handedBack.join(', ')} (triage told; ${result.notifications} mail(s) queued, sent by deskmail run)` : 'no open tickets to hand back');
  if (result.kept > 0) lines.push(`kept: ${result.kept} ticket(s) waiting on the customer or a vendor`);
  return lines.join('\n');
}

/** `agents back`: ends the away mark early and says what was handed back under it; nothing is taken back. */
export async function agentsBack(ctx: AppContext, email: string): Promise<string> {
  const agent = await findAgentByEmail(ctx.db, email);
  if (!agent || !(await clearAgentAway(ctx.db, email))) throw new DeskmailError('NOT_FOUND', `no agent ${email}`);
  const lines = [`agent ${agent.email} is available again`];
  const handed = agent.away_until ? await handedBackUnder(ctx.db, agent.email, new Date(agent.away_until)) : [];
  if (handed.length === 0) {
    lines.push(agent.away_until ? 'no tickets were handed back while away' : 'they were not marked away');
  } else {
    const where = (h: HandedBack): string =>
      h.assignee === null ? (h.status === 'closed' || h.status === 'resolved' ? h.status : 'still in the queue') : h.assignee === agent.email ? 'theirs again' : `now with ${h.assignee}`;
    lines.push(`handed back while away: ${handed.map((h) => `${h.ref} (${where(h)})`).join(', ')}`);
    lines.push('they stay where they are: nothing is taken back automatically (reply #assign me on a ticket to take it)');
  }
  return lines.join('\n');
}
