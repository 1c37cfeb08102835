import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot, type Config } from './config.js';
import { parseYaml, problemLine, readConfigSource, zodProblems, type Problem, type YamlPath } from './config-file.js';
import { ConfigWatcher, type Parsed, type WatchTiming } from './config-watcher.js';
import { DeskmailError } from './errors.js';
import type { Logger } from './log.js';
import { DEFAULT_ASSIGNMENT, type AssignableRole } from './ticket/assignment.js';
import { assertTimezone, workingDayMinutes, type BusinessHours } from './ticket/business-hours.js';
import { DEFAULT_SLA, formatMinutes, parseDuration, type SlaPolicy, type SlaSettings, type SlaTargets } from './ticket/sla.js';
import type { Priority } from './store/tickets.js';

/**
 * The admin's SLA file (config/sla.yaml, or DESKMAIL_SLA): targets per priority and policy,
 * business hours, reminder and escalation intervals, the auto-close window, and auto-assignment.
 * YAML → zod → SlaSettings; every problem is ONE line, "file:line:col: where: what". Every key is
 * optional: what the file leaves out keeps the shipped default (DEFAULT_SLA).
 */

export type SlaLoadResult = { ok: true; settings: SlaSettings } | { ok: false; error: string };

export function shippedSlaPath(): string {
  return join(packageRoot(), 'config', 'sla.yaml');
}

const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

type Ctx = z.RefinementCtx;

/** A duration as written: "90m", "4h", "3d", "1w", or "N working day(s)" (one business day's hours). */
type Duration = { minutes: number } | { workingDays: number };

const duration = z.union([z.string(), z.number()]).transform((v, ctx: Ctx): Duration => {
  const text = String(v).trim();
  const working = /^(\d+(?:\.\d+)?)\s*working\s*days?$/i.exec(text);
  if (working) return { workingDays: Number(working[1]) };
  const minutes = typeof v === 'string' && /[a-z]\s*$/i.test(text) ? parseDuration(text) : undefined;
  if (minutes === undefined || minutes <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 30m, 4h, 3d, 1w or "1 working day", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return { minutes };
});

const clock = z.string().transform((v, ctx) => {
  const m = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(v.trim());
  const minute = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || minute > 24 * 60) {
    ctx.addIssue({ code: 'custom', message: `expected a time of day HH:MM (quoted, e.g. "09:00"), got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return minute;
});

const isoDay = z.string().transform((v, ctx) => {
  const d = new Date(`${v}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
    ctx.addIssue({ code: 'custom', message: `expected a date YYYY-MM-DD, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return v;
});

const businessHours = z.strictObject({
  timezone: z.string().transform((v, ctx) => {
    try {
      assertTimezone(v);
      return v;
    } catch {
      ctx.addIssue({ code: 'custom', message: `unknown time zone ${JSON.stringify(v)} (an IANA name such as Europe/Berlin or UTC)` });
      return z.NEVER;
    }
  }),
  days: z
    .array(z.string().transform((v, ctx) => {
      const t = v.trim().toLowerCase();
      const i = WEEKDAYS.findIndex((d) => t.length >= 3 && d.startsWith(t));
      if (i < 0) {
        ctx.addIssue({ code: 'custom', message: `expected a weekday (mon, tue, … sun), got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return i;
    }))
    .min(1, 'needs at least one working day'),
  start: clock,
  end: clock,
  holidays: z.array(isoDay).nullable().optional(),
}).superRefine((b, ctx) => {
  if (b.start === b.end) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end equals start: no working time (an end before the start runs overnight)' });
});

const targets = z.strictObject({ first_response: duration, resolution: duration });

const policy = z.strictObject({ P1: targets.optional(), P2: targets.optional(), P3: targets.optional(), P4: targets.optional() });

const fraction = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(String(v));
  const n = m ? Number(m[1]) / 100 : typeof v === 'number' ? v : NaN;
  if (!(n > 0 && n < 1)) {
    ctx.addIssue({ code: 'custom', message: `expected a share of the target between 0 and 1, or a percentage such as 80%, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

/** "off" (or false) switches an interval off. */
const optionalDuration = z.union([z.literal('off'), z.literal(false), duration]);

const ROLES: AssignableRole[] = ['agent', 'lead', 'admin'];

const assignment = z.strictObject({
  enabled: z.boolean().optional(),
  roles: z.array(z.enum(ROLES)).min(1).optional(),
  continuity: z.boolean().optional(),
  category_skills: z.record(z.string(), z.array(z.string().trim().min(1)).nullable()).optional(),
});

const slaFile = z.strictObject({
  business_hours: businessHours.nullable().optional(),
  at_risk: fraction.optional(),
  customer_update_reminder: duration.optional(),
  open_too_long: duration.optional(),
  escalate_unresolved_after: optionalDuration.optional(),
  auto_close_after: duration.optional(),
  policies: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'a policy name is one word (letters, digits, - and _)'), policy.nullable()).optional(),
  assignment: assignment.nullable().optional(),
});

type SlaFile = z.output<typeof slaFile>;

/** The keys allowed where an unknown one was found, for the error line. */
function expectedKeys(path: YamlPath): readonly string[] {
  const [head] = path;
  if (path.length === 0) return Object.keys(slaFile.shape);
  if (head === 'business_hours' && path.length === 1) return Object.keys(businessHours.shape);
  if (head === 'assignment' && path.length === 1) return Object.keys(assignment.shape);
  if (head === 'policies' && path.length === 2) return PRIORITIES;
  if (head === 'policies' && path.length === 3) return Object.keys(targets.shape);
  return [];
}

/** The parsed file → SlaSettings; durations in "working days" need the business hours first. */
function settingsFrom(f: SlaFile, problems: Problem[]): SlaSettings {
  const bh: BusinessHours | undefined = f.business_hours
    ? { timezone: f.business_hours.timezone, days: [...new Set(f.business_hours.days)].sort(), startMinute: f.business_hours.start, endMinute: f.business_hours.end % (24 * 60), holidays: f.business_hours.holidays ?? [] }
    : undefined;
  const minutes = (d: Duration): number => ('minutes' in d ? d.minutes : Math.round(d.workingDays * workingDayMinutes(bh)));

  const policies: Record<string, SlaPolicy> = { ...DEFAULT_SLA.policies };
  const written = f.policies ?? {};
  // default first: a new policy takes what it leaves out from it (a shipped one, from its shipped values).
  const names = ['default', ...Object.keys(written).filter((n) => n !== 'default')];
  for (const name of names) {
    if (!(name in written)) continue;
    const base = policies[name] ?? policies['default']!;
    const out = {} as Record<Priority, SlaTargets>;
    for (const p of PRIORITIES) {
      const t = written[name]?.[p];
      out[p] = t ? { firstResponseMinutes: minutes(t.first_response), resolutionMinutes: minutes(t.resolution) } : base.targets[p];
      if (t && out[p].firstResponseMinutes > out[p].resolutionMinutes) {
        problems.push({ path: ['policies', name, p, 'first_response'], message: `first response (${formatMinutes(out[p].firstResponseMinutes)}) is later than resolution (${formatMinutes(out[p].resolutionMinutes)})` });
      }
    }
    policies[name] = { name, targets: out };
  }

  const esc = f.escalate_unresolved_after;
  const a = f.assignment ?? {};
  return {
    policies,
    businessHours: bh,
    atRiskFraction: f.at_risk ?? DEFAULT_SLA.atRiskFraction,
    customerUpdateReminderMinutes: f.customer_update_reminder ? minutes(f.customer_update_reminder) : workingDayMinutes(bh),
    openTooLongMinutes: f.open_too_long ? minutes(f.open_too_long) : DEFAULT_SLA.openTooLongMinutes,
    autoEscalateMinutes: esc === undefined || esc === 'off' || esc === false ? undefined : minutes(esc),
    autoCloseResolvedMinutes: f.auto_close_after ? minutes(f.auto_close_after) : DEFAULT_SLA.autoCloseResolvedMinutes,
    assignment: {
      enabled: a.enabled ?? DEFAULT_ASSIGNMENT.enabled,
      roles: a.roles ?? DEFAULT_ASSIGNMENT.roles,
      continuity: a.continuity ?? DEFAULT_ASSIGNMENT.continuity,
      categorySkills: Object.fromEntries(Object.entries(a.category_skills ?? {}).map(([c, s]) => [c, s ?? []])),
    },
  };
}

/** Parses and validates SLA settings from text; `file` names the source in the error line. */
export function parseSla(source: string, file: string): SlaLoadResult {
  const parsedYaml = parseYaml(source, file);
  if (!parsedYaml.ok) return parsedYaml;
  const { yaml } = parsedYaml;
  // An empty file (everything commented out) is the shipped defaults.
  const parsed = slaFile.safeParse(yaml.data ?? {});
  const problems: Problem[] = parsed.success ? [] : zodProblems(parsed.error.issues, (path, keys) => `unknown key "${keys[0]!}" (expected one of ${expectedKeys(path).join(', ')})`);
  const settings = parsed.success ? settingsFrom(parsed.data, problems) : undefined;
  if (problems.length > 0 || !settings) return { ok: false, error: problemLine(yaml, problems) };
  return { ok: true, settings };
}

/** Reads and validates an SLA file. Never throws: a problem is one line naming file and line. */
export function loadSla(path: string): SlaLoadResult {
  const read = readConfigSource(path, 'SLA file');
  return read.ok ? parseSla(read.source, path) : read;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const clockText = (m: number): string => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;

/** "2 policies (default, vip), business hours Mon–Fri 09:00–17:00 Europe/Berlin, auto-assignment off": for logs. */
export function summariseSla(s: SlaSettings): string {
  const bh = s.businessHours;
  const hours = bh ? `business hours ${bh.days.map((d) => WEEKDAYS[d]!.slice(0, 3)).join(',')} ${clockText(bh.startMinute)}–${clockText(bh.endMinute)} ${bh.timezone}${bh.holidays.length ? ` (${bh.holidays.length} holidays)` : ''}` : 'around the clock';
  const names = Object.keys(s.policies);
  return `${names.length} SLA polic${names.length === 1 ? 'y' : 'ies'} (${names.join(', ')}), ${hours}, auto-assignment ${s.assignment.enabled ? 'on' : 'off'}`;
}

/** The effective targets and intervals as a table: what `deskmail sla check` prints. */
export function slaTable(s: SlaSettings, opts: { autoCloseSource: string }): string[] {
  const counted = s.businessHours ? 'working time' : 'elapsed time';
  const out = [`targets (${counted}; at risk at ${Math.round(s.atRiskFraction * 100)}%):`, `  ${'policy'.padEnd(10)} ${'priority'.padEnd(8)} ${'first response'.padEnd(15)} resolution`];
  for (const p of Object.values(s.policies)) {
    for (const prio of PRIORITIES) out.push(`  ${p.name.padEnd(10)} ${prio.padEnd(8)} ${formatMinutes(p.targets[prio].firstResponseMinutes).padEnd(15)} ${formatMinutes(p.targets[prio].resolutionMinutes)}`);
  }
  out.push(
    `customer update reminder: after ${formatMinutes(s.customerUpdateReminderMinutes)} (${counted}) without news for the customer`,
    `open too long:            ${formatMinutes(s.openTooLongMinutes)} (elapsed) → raised with the leads`,
    `escalate unresolved:      ${s.autoEscalateMinutes === undefined ? 'off' : `after ${formatMinutes(s.autoEscalateMinutes)} (${counted})`}`,
    `auto-close resolved:      after ${formatMinutes(s.autoCloseResolvedMinutes)} (elapsed; ${opts.autoCloseSource})`,
    `business hours:           ${s.businessHours ? summariseSla(s).split(', business hours ')[1]!.split(', auto-assignment')[0]! : 'none (targets count around the clock)'}`,
  );
  const a = s.assignment;
  const skills = Object.entries(a.categorySkills).map(([c, list]) => `${c} → ${list.length ? list.join('|') : 'anyone'}`).join('; ');
  out.push(`auto-assignment:          ${a.enabled ? `on (roles ${a.roles.join(', ')}; continuity ${a.continuity ? 'on' : 'off'}${skills ? `; ${skills}` : ''})` : 'off'}`);
  return out;
}

/**
 * VERIFY_WINDOW_HOURS, when set, overrides the file's auto_close_after. The window customers are
 * told in the resolved mail (config.verifyWindowHours) is kept equal to the one the timer applies.
 */
export function withVerifyWindow(config: Config, s: SlaSettings): SlaSettings {
  const settings = config.verifyWindowFromEnv ? { ...s, autoCloseResolvedMinutes: Math.round(config.verifyWindowHours * 60) } : s;
  config.verifyWindowHours = settings.autoCloseResolvedMinutes / 60;
  return settings;
}

/** The SLA settings in force at start; a broken file refuses to start (there are no last good settings yet). */
export function slaSettingsFromFile(config: Config): SlaSettings {
  const loaded = loadSla(config.slaFile);
  if (!loaded.ok) throw new DeskmailError('CONFIG', loaded.error, 'run: deskmail sla check');
  return withVerifyWindow(config, loaded.settings);
}

/** Watches the SLA file for the gateway: a valid edit applies to the next mail and timer pass. */
export function watchSla(config: Config, log: Logger, opts: WatchTiming & { onReload?: (r: Parsed<SlaSettings>) => void } = {}): ConfigWatcher<SlaSettings> {
  return ConfigWatcher.start(config.slaFile, {
    log,
    noun: 'SLA settings',
    fileNoun: 'SLA file',
    hint: 'run: deskmail sla check',
    parse: (text, path) => {
      const r = parseSla(text, path);
      return r.ok ? { ok: true, value: withVerifyWindow(config, r.settings) } : r;
    },
    summarise: summariseSla,
    ...opts,
  });
}
