import type { Rate, Report, Stat } from './kpis.js';

/** 95 minutes → "1h 35m"; 3000 → "2d 2h". */
export function duration(minutes: number | null): string {
  if (minutes === null) return '–';
  const m = Math.round(minutes);
  if (m < 60) return `${m}m`;
  if (m < 1440) return `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ''}`;
  const h = Math.round((m % 1440) / 60);
  return `${Math.floor(m / 1440)}d${h ? ` ${h}h` : ''}`;
}

export function percent(r: number | null): string {
  return r === null ? '–' : `${(r * 100).toFixed(1).replace(/\.0$/, '')} %`;
}

/** "72.5 %  (29/40)  target > 70 %  ✓ met" */
export function rateLine(r: Rate): string {
  const verdict = r.met === null ? '' : r.met ? '  ✓ met' : '  ✗ missed';
  return `${percent(r.rate)}  (${r.count}/${r.total})${r.target ? `  target ${r.target}${verdict}` : ''}`;
}

function statLine(s: Stat): string {
  return `median ${duration(s.medianMinutes)}, p90 ${duration(s.p90Minutes)} (${s.count} tickets)`;
}

function groups(title: string, g: Record<string, Stat>): string[] {
  const keys = Object.keys(g);
  if (keys.length === 0) return [];
  const width = Math.max(...keys.map((k) => k.length));
  return [`  ${title}:`, ...keys.map((k) => `    ${k.padEnd(width)}  ${statLine(g[k]!)}`)];
}

/** The report for a terminal. */
export function formatText(r: Report): string {
  const lines = [
    `deskmail report: ${r.since.slice(0, 10)} to ${r.until.slice(0, 10)}  (${r.tickets.created} tickets created, ${r.tickets.resolved} of them resolved)`,
    '',
    `First response time   ${statLine(r.firstResponse.overall)}`,
    ...groups('by priority', r.firstResponse.byPriority),
    ...groups('by category', r.firstResponse.byCategory),
    `Resolution time       ${statLine(r.resolution.overall)}`,
    ...groups('by priority', r.resolution.byPriority),
    ...groups('by category', r.resolution.byCategory),
    '',
    `First-contact resolution  ${rateLine(r.firstContactResolution)}`,
    `Reopened                  ${rateLine(r.reopened)}`,
    `CSAT satisfied (4–5)      ${rateLine(r.csat.satisfied)}`,
    `CSAT average              ${r.csat.average ?? '–'} of 5  (${r.csat.responses} ratings from ${r.csat.surveysSent} surveys sent)`,
    `Escalation                ${rateLine(r.escalation)}`,
    `SLA first response met    ${rateLine(r.sla.firstResponse)}`,
    `SLA resolution met        ${rateLine(r.sla.resolution)}`,
    '',
    `Backlog: ${r.backlog.total} open`,
    `  by status: ${Object.entries(r.backlog.byStatus).map(([s, n]) => `${s} ${n}`).join(', ')}`,
    `  by age:    ${r.backlog.byAge.map((b) => `${b.label} ${b.count}`).join(', ')}`,
    '',
    'Agents (open now, resolved in the period, CSAT average):',
    ...(r.agents.length ? r.agents.map((a) => `  ${a.email.padEnd(32)} open ${String(a.open).padStart(3)}  resolved ${String(a.resolved).padStart(3)}  CSAT ${a.csatAverage ?? '–'}`) : ['  (no agents)']),
    '',
    `Resolved without a prevention note (${r.withoutPrevention.length}):`,
    ...r.withoutPrevention.map((t) => `  ${t.ref}  ${t.subject}`),
    `Knowledge-base candidates (${r.kbCandidates.length}):`,
    ...r.kbCandidates.map((t) => `  ${t.ref}  ${t.subject}${t.note ? ` — ${t.note}` : ''}`),
  ];
  return lines.join('\n');
}
