import { writeFileSync } from 'node:fs';
import type { AppContext } from '../context.js';
import { DeskmailError } from '../errors.js';
import { digestVars, enqueueDigest } from '../report/digest.js';
import { formatHtml } from '../report/format-html.js';
import { formatText } from '../report/format-text.js';
import { computeKpis, type Report } from '../report/kpis.js';
import { loadReportInput } from '../report/load.js';
import { leads } from '../workflow/notify.js';

export interface ReportOptions {
  since?: string;
  json?: boolean;
  html?: string;
  mail?: boolean;
}

/** --since: a date (2026-11-01) or a date-time; default 30 days back (7 with --mail: the weekly digest). */
export function parseSince(raw: string | undefined, now: Date, mail: boolean): Date {
  if (raw === undefined) return new Date(now.getTime() - (mail ? 7 : 30) * 86_400_000);
  const d = /^\d{4}-\d{2}-\d{2}$/.test(raw.trim()) ? new Date(`${raw.trim()}T00:00:00Z`) : new Date(raw);
  if (Number.isNaN(d.getTime())) throw new DeskmailError('USAGE', `--since needs a date like 2026-11-01, got: ${raw}`);
  if (d > now) throw new DeskmailError('USAGE', `--since ${raw} is in the future`);
  return d;
}

/** `deskmail report`: the KPIs as text, JSON, a self-contained HTML page, or the weekly digest mail to the leads. */
export async function reportCommand(ctx: AppContext, opts: ReportOptions, now = new Date()): Promise<string> {
  const since = parseSince(opts.since, now, opts.mail === true);
  const report: Report = computeKpis(await loadReportInput(ctx.db, since, now));
  const notes: string[] = [];
  if (opts.html) {
    try {
      writeFileSync(opts.html, formatHtml(report, { helpdeskName: ctx.config.helpdeskName }));
    } catch (err) {
      throw new DeskmailError('USAGE', `cannot write ${opts.html}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    notes.push(`report written to ${opts.html}`);
  }
  if (opts.mail) {
    const people = (await leads(ctx.db)).map((l) => ({ email: l.email, name: l.name }));
    if (people.length === 0) throw new DeskmailError('USAGE', 'no agent has role lead: add one (deskmail agents add EMAIL --role lead) to receive the digest');
    const queued = await ctx.db.transaction((tx) => enqueueDigest(tx, ctx.renderer, ctx.sender, ctx.config, people, digestVars(report)));
    notes.push(queued.length ? `weekly digest queued to ${queued.join(', ')} (deskmail run sends it)` : 'weekly digest not queued: every lead address is suppressed or automated');
  }
  if (opts.json) return JSON.stringify(report, null, 2);
  if (notes.length > 0 && (opts.html || opts.mail)) return notes.join('\n');
  return formatText(report);
}
