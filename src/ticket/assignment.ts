/**
 * Auto-assignment: who should own a new ticket that no rule assigned. Pure: the caller loads the
 * agents with their open-ticket counts and who last handled the requester, and stores the verdict.
 * Order of the decision (seed 001): availability (not away) → skills match the category and team →
 * under the per-agent cap → continuity (the requester's last agent) → fewest open tickets.
 */
export type AssignableRole = 'agent' | 'lead' | 'admin';

export interface AssignmentSettings {
  enabled: boolean;
  /** Category → skills that qualify an agent (any one of them; an empty list: anyone). */
  categorySkills: Record<string, string[]>;
  /** Roles that take tickets automatically. */
  roles: AssignableRole[];
  /** Prefer the agent who last handled this requester, when they qualify. */
  continuity: boolean;
}

export const DEFAULT_ASSIGNMENT: AssignmentSettings = { enabled: false, categorySkills: {}, roles: ['agent'], continuity: true };

export interface Candidate {
  id: number;
  email: string;
  role: AssignableRole;
  skills: string[];
  openTickets: number;
  awayUntil: Date | null;
}

export interface AssignmentInput {
  category: string | null;
  team: string | null;
  /** The agent who last owned a ticket of this requester, if any. */
  lastHandlerId: number | null;
  candidates: Candidate[];
  cap: number;
  now: Date;
}

export type AssignmentChoice = { agent: Candidate; reason: string } | { agent: undefined; reason: string };

const norm = (s: string): string => s.trim().toLowerCase();

/**
 * The skills a ticket needs: one of its category's skills (a category the settings do not list
 * needs a skill named like the category), and its team, when a rule set one (teams are skills:
 * VIP mail routed to team "senior" goes to agents with the skill "senior").
 */
export function requiredSkills(category: string | null, team: string | null, settings: AssignmentSettings): { anyOf: string[]; team: string | undefined } {
  let anyOf: string[] = [];
  if (category !== null) {
    const listed = Object.entries(settings.categorySkills).find(([c]) => norm(c) === norm(category));
    anyOf = listed ? listed[1].map(norm) : [norm(category)];
  }
  return { anyOf, team: team === null ? undefined : norm(team) };
}

export function isAway(c: Pick<Candidate, 'awayUntil'>, now: Date): boolean {
  return c.awayUntil !== null && c.awayUntil.getTime() > now.getTime();
}

export function chooseAssignee(input: AssignmentInput, settings: AssignmentSettings): AssignmentChoice {
  const need = requiredSkills(input.category, input.team, settings);
  const skillText = [need.anyOf.length ? `skill ${need.anyOf.join(' or ')}` : '', need.team ? `team ${need.team}` : ''].filter(Boolean).join(' and ') || 'no particular skill';
  const byRole = input.candidates.filter((c) => settings.roles.includes(c.role));
  const present = byRole.filter((c) => !isAway(c, input.now));
  const skilled = present.filter((c) => {
    const skills = c.skills.map(norm);
    return (need.anyOf.length === 0 || need.anyOf.some((s) => skills.includes(s))) && (need.team === undefined || skills.includes(need.team));
  });
  const free = skilled.filter((c) => c.openTickets < input.cap);
  if (free.length === 0) {
    const why =
      byRole.length === 0 ? `no agent with role ${settings.roles.join(' or ')}`
      : present.length === 0 ? `every ${settings.roles.join('/')} is away`
      : skilled.length === 0 ? `nobody available has ${skillText}`
      : `everyone with ${skillText} already holds ${input.cap} open tickets (the cap)`;
    return { agent: undefined, reason: `left for triage: ${why}` };
  }
  const last = settings.continuity && input.lastHandlerId !== null ? free.find((c) => c.id === input.lastHandlerId) : undefined;
  if (last) return { agent: last, reason: `continuity: last handled this requester; has ${skillText}, ${last.openTickets} open of ${input.cap}` };
  const chosen = [...free].sort((a, b) => a.openTickets - b.openTickets || a.email.localeCompare(b.email))[0]!;
  const others = free.length - 1;
  return { agent: chosen, reason: `fewest open tickets (${chosen.openTickets} of ${input.cap}) among ${others + 1} available with ${skillText}` };
}
