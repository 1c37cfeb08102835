import { describe, expect, it } from 'vitest';
import { chooseAssignee, DEFAULT_ASSIGNMENT, requiredSkills, type AssignmentSettings, type Candidate } from '../../src/ticket/assignment.js';

const now = new Date('2026-11-24T10:00:00Z');
const settings: AssignmentSettings = { ...DEFAULT_ASSIGNMENT, enabled: true, categorySkills: { 'Billing/Payment': ['billing'], 'General Inquiries': [] } };
let id = 0;
const agent = (email: string, patch: Partial<Candidate> = {}): Candidate => ({ id: ++id, email, role: 'agent', skills: [], openTickets: 0, awayUntil: null, ...patch });
const choose = (candidates: Candidate[], extra: { category?: string | null; team?: string | null; lastHandlerId?: number | null; cap?: number } = {}, s = settings) =>
  chooseAssignee({ category: extra.category === undefined ? 'Billing/Payment' : extra.category, team: extra.team ?? null, lastHandlerId: extra.lastHandlerId ?? null, candidates, cap: extra.cap ?? 3, now }, s);

describe('auto-assignment: who gets a new ticket', () => {
  it('only agents whose skills match the category qualify', () => {
    const bob = agent('bob@x.test', { skills: ['dns'] });
    const cat = agent('cat@x.test', { skills: ['Billing'] });
    expect(choose([bob, cat]).agent?.email).toBe('cat@x.test');
  });

  it('among the qualified, the one with the fewest open tickets (ties: by address)', () => {
    const a = agent('a@x.test', { skills: ['billing'], openTickets: 2 });
    const b = agent('b@x.test', { skills: ['billing'], openTickets: 1 });
    const c = agent('c@x.test', { skills: ['billing'], openTickets: 1 });
    const choice = choose([a, c, b]);
    expect(choice.agent?.email).toBe('b@x.test');
    expect(choice.reason).toMatch(/fewest open tickets \(1 of 3\) among 3 available with skill billing/);
  });

  it('nobody at or over the cap gets more', () => {
    const full = agent('full@x.test', { skills: ['billing'], openTickets: 3 });
    const choice = choose([full]);
    expect(choice.agent).toBeUndefined();
    expect(choice.reason).toBe('left for triage: everyone with skill billing already holds 3 open tickets (the cap)');
  });

  it('continuity: the agent who last handled the requester wins, even with more open tickets', () => {
    const idle = agent('idle@x.test', { skills: ['billing'] });
    const known = agent('known@x.test', { skills: ['billing'], openTickets: 2 });
    const choice = choose([idle, known], { lastHandlerId: known.id });
    expect(choice.agent?.email).toBe('known@x.test');
    expect(choice.reason).toMatch(/^continuity/);
  });

  it('continuity yields to the cap, to availability and to skills', () => {
    const idle = agent('idle@x.test', { skills: ['billing'] });
    const busy = agent('busy@x.test', { skills: ['billing'], openTickets: 3 });
    const away = agent('away@x.test', { skills: ['billing'], awayUntil: new Date('2026-11-25T00:00:00Z') });
    const unskilled = agent('dns@x.test', { skills: ['dns'] });
    for (const last of [busy, away, unskilled]) expect(choose([idle, busy, away, unskilled], { lastHandlerId: last.id }).agent?.email).toBe('idle@x.test');
  });

  it('continuity can be switched off', () => {
    const a = agent('a@x.test', { skills: ['billing'] });
    const z = agent('z@x.test', { skills: ['billing'] });
    expect(choose([a, z], { lastHandlerId: z.id }, { ...settings, continuity: false }).agent?.email).toBe('a@x.test');
  });

  it('an agent whose away mark has passed is available again', () => {
    const back = agent('back@x.test', { skills: ['billing'], awayUntil: new Date('2026-11-24T09:00:00Z') });
    expect(choose([back]).agent?.email).toBe('back@x.test');
  });

  it('when everyone is away, the ticket stays with triage and says why', () => {
    const away = agent('away@x.test', { skills: ['billing'], awayUntil: new Date('2026-12-01T00:00:00Z') });
    expect(choose([away])).toEqual({ agent: undefined, reason: 'left for triage: every agent is away' });
  });

  it('only the configured roles take tickets', () => {
    const lead = agent('lena@x.test', { role: 'lead', skills: ['billing'] });
    expect(choose([lead]).reason).toBe('left for triage: no agent with role agent');
    expect(choose([lead], {}, { ...settings, roles: ['agent', 'lead'] }).agent?.email).toBe('lena@x.test');
  });

  it('a category listed with no skills, or no category at all, lets anyone take it', () => {
    const a = agent('a@x.test', { skills: ['dns'] });
    expect(choose([a], { category: 'General Inquiries' }).agent?.email).toBe('a@x.test');
    expect(choose([a], { category: null }).agent?.email).toBe('a@x.test');
  });

  it('a category not listed needs a skill named like it', () => {
    expect(requiredSkills('Technical Issues', null, settings)).toEqual({ anyOf: ['technical issues'], team: undefined });
    const a = agent('a@x.test', { skills: ['Technical Issues'] });
    expect(choose([agent('b@x.test', { skills: ['dns'] }), a], { category: 'Technical Issues' }).agent?.email).toBe('a@x.test');
  });

  it('a team set by a rule is a skill too: VIP mail for team senior goes to senior agents', () => {
    const junior = agent('junior@x.test', { skills: ['billing'] });
    const senior = agent('senior@x.test', { skills: ['billing', 'senior'], openTickets: 2 });
    expect(choose([junior, senior], { team: 'senior' }).agent?.email).toBe('senior@x.test');
    expect(choose([junior], { team: 'senior' }).reason).toBe('left for triage: nobody available has skill billing and team senior');
  });
});
