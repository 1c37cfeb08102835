import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slaCheck } from '../../src/cli/sla.js';
import { loadConfig } from '../../src/config.js';
import { DeskmailError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { loadSla, parseSla, shippedSlaPath, slaSettingsFromFile, watchSla, withVerifyWindow } from '../../src/sla-file.js';
import { DEFAULT_SLA, type SlaSettings } from '../../src/ticket/sla.js';

const parse = (text: string): SlaSettings => {
  const r = parseSla(text, 'sla.yaml');
  if (!r.ok) throw new Error(r.error);
  return r.settings;
};
const error = (text: string): string => {
  const r = parseSla(text, 'sla.yaml');
  if (r.ok) throw new Error('expected an error');
  return r.error;
};

describe('the SLA file', () => {
  it('the shipped config/sla.yaml holds the built-in targets, with auto-assignment off', () => {
    const r = loadSla(shippedSlaPath());
    if (!r.ok) throw new Error(r.error);
    const { assignment, ...rest } = r.settings;
    const { assignment: defaults, ...expected } = DEFAULT_SLA;
    expect(rest).toEqual(expected);
    expect(assignment).toMatchObject({ enabled: false, roles: defaults.roles, continuity: true });
    expect(assignment.categorySkills['Billing/Payment']).toEqual(['billing']);
  });

  it('an empty file, or one that leaves keys out, keeps the defaults', () => {
    expect(parse('')).toEqual(DEFAULT_SLA);
    const s = parse('at_risk: 0.5\n');
    expect(s.atRiskFraction).toBe(0.5);
    expect(s.policies).toEqual(DEFAULT_SLA.policies);
  });

  it('reads durations, percentages, the escalation interval and the auto-close window', () => {
    const s = parse('at_risk: 75%\nopen_too_long: 2d\nescalate_unresolved_after: 6h\nauto_close_after: 72h\ncustomer_update_reminder: 90m\n');
    expect(s).toMatchObject({ atRiskFraction: 0.75, openTooLongMinutes: 2880, autoEscalateMinutes: 360, autoCloseResolvedMinutes: 4320, customerUpdateReminderMinutes: 90 });
    expect(parse('escalate_unresolved_after: off\n').autoEscalateMinutes).toBeUndefined();
  });

  it('"1 working day" is one business day\'s hours with business hours, 24 h without', () => {
    expect(parse('customer_update_reminder: 1 working day\n').customerUpdateReminderMinutes).toBe(1440);
    const s = parse('business_hours:\n  timezone: Europe/Berlin\n  days: [mon, tue, wed, thu, fri]\n  start: "08:30"\n  end: "17:00"\n  holidays: ["2026-12-25"]\ncustomer_update_reminder: 1 working day\n');
    expect(s.customerUpdateReminderMinutes).toBe(510);
    expect(s.businessHours).toEqual({ timezone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], startMinute: 510, endMinute: 1020, holidays: ['2026-12-25'] });
  });

  it('a policy may list some priorities; the rest keep their values (a new one takes default\'s)', () => {
    const s = parse('policies:\n  vip:\n    P1: { first_response: 15m, resolution: 1h }\n  gold:\n    P2: { first_response: 1h, resolution: 6h }\n');
    expect(s.policies['vip']!.targets.P1).toEqual({ firstResponseMinutes: 15, resolutionMinutes: 60 });
    expect(s.policies['vip']!.targets.P2).toEqual(DEFAULT_SLA.policies['vip']!.targets.P2);
    expect(s.policies['gold']!.targets.P2).toEqual({ firstResponseMinutes: 60, resolutionMinutes: 360 });
    expect(s.policies['gold']!.targets.P1).toEqual(DEFAULT_SLA.policies['default']!.targets.P1);
  });

  it.each([
    ['a misspelt key', 'at_risk: 80%\nopen_to_long: 3d\n', 'sla.yaml:2:1: top level: unknown key "open_to_long" (expected one of business_hours, at_risk, customer_update_reminder, open_too_long, escalate_unresolved_after, auto_close_after, policies, assignment)'],
    ['a duration without a unit', 'open_too_long: 3\n', 'sla.yaml:1:1: open_too_long: expected a duration such as 30m, 4h, 3d, 1w or "1 working day", got 3'],
    ['a percentage over 100', 'at_risk: 120%\n', 'sla.yaml:1:1: at_risk: expected a share of the target between 0 and 1, or a percentage such as 80%, got "120%"'],
    ['an unknown priority', 'policies:\n  default:\n    P5: { first_response: 1h, resolution: 2h }\n', 'sla.yaml:3:5: policies.default: unknown key "P5" (expected one of P1, P2, P3, P4)'],
    ['a first response later than the resolution', 'policies:\n  default:\n    P1: { first_response: 5h, resolution: 4h }\n', 'sla.yaml:3:11: policies.default.P1.first_response: first response (5h) is later than resolution (4h)'],
    ['an unknown time zone', 'business_hours:\n  timezone: Mars/Olympus\n  days: [mon]\n  start: "09:00"\n  end: "17:00"\n', 'sla.yaml:2:3: business_hours.timezone: unknown time zone "Mars/Olympus" (an IANA name such as Europe/Berlin or UTC)'],
    ['a bad weekday', 'business_hours:\n  timezone: UTC\n  days: [mon, funday]\n  start: "09:00"\n  end: "17:00"\n', 'sla.yaml:3:15: business_hours.days[1]: expected a weekday (mon, tue, … sun), got "funday"'],
    ['a bad time', 'business_hours:\n  timezone: UTC\n  days: [mon]\n  start: "9am"\n  end: "17:00"\n', 'sla.yaml:4:3: business_hours.start: expected a time of day HH:MM (quoted, e.g. "09:00"), got "9am"'],
    ['a missing end', 'business_hours:\n  timezone: UTC\n  days: [mon]\n  start: "09:00"\n', 'sla.yaml:1:1: business_hours: missing "end:"'],
    ['an impossible holiday', 'business_hours:\n  timezone: UTC\n  days: [mon]\n  start: "09:00"\n  end: "17:00"\n  holidays: ["2026-02-30"]\n', 'sla.yaml:6:14: business_hours.holidays[0]: expected a date YYYY-MM-DD, got "2026-02-30"'],
    ['an unknown assignment role', 'assignment:\n  enabled: true\n  roles: [agent, boss]\n', 'sla.yaml:3:18: assignment.roles[1]: expected one of "agent"|"lead"|"admin"'],
    ['broken YAML', 'policies: [\n', 'sla.yaml:2:1: invalid YAML:'],
  ])('%s is one line naming file, line and column', (_what, text, expected) => {
    expect(error(text).startsWith(expected)).toBe(true);
  });

  it('VERIFY_WINDOW_HOURS overrides the file\'s auto-close window; otherwise the file\'s is told to customers', () => {
    const file = parse('auto_close_after: 72h\n');
    const fromEnv = loadConfig({ VERIFY_WINDOW_HOURS: '24' });
    expect(withVerifyWindow(fromEnv, file).autoCloseResolvedMinutes).toBe(1440);
    expect(fromEnv.verifyWindowHours).toBe(24);
    const plain = loadConfig({});
    expect(withVerifyWindow(plain, file).autoCloseResolvedMinutes).toBe(4320);
    expect(plain.verifyWindowHours).toBe(72);
  });
});

describe('loading and reloading the SLA file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deskmail-sla-'));
    file = join(dir, 'sla.yaml');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a broken file refuses to start with the file and line', () => {
    writeFileSync(file, 'at_risk: 80%\npolicies:\n  default:\n    P1: { first_response: soon, resolution: 4h }\n');
    let thrown: unknown;
    try {
      slaSettingsFromFile(loadConfig({ DESKMAIL_SLA: file }));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DeskmailError);
    expect((thrown as DeskmailError).message).toBe(`${file}:4:11: policies.default.P1.first_response: expected a duration such as 30m, 4h, 3d, 1w or "1 working day", got "soon"`);
  });

  it('a valid edit is taken live; a broken one keeps the last good settings', () => {
    writeFileSync(file, 'at_risk: 80%\n');
    const watcher = watchSla(loadConfig({ DESKMAIL_SLA: file }), silentLogger(), { pollMs: 60_000 });
    try {
      expect(watcher.value.atRiskFraction).toBe(0.8);
      writeFileSync(file, 'at_risk: 50%\n');
      expect(watcher.check()).toMatchObject({ ok: true });
      expect(watcher.value.atRiskFraction).toBe(0.5);
      writeFileSync(file, 'at_risk: lots\n');
      expect(watcher.check()).toEqual({ ok: false, error: `${file}:1:1: at_risk: expected a share of the target between 0 and 1, or a percentage such as 80%, got "lots"` });
      expect(watcher.value.atRiskFraction).toBe(0.5);
    } finally {
      watcher.close();
    }
  });

  it('deskmail sla check prints the effective targets, and names a policy the rules use but the file lacks', () => {
    writeFileSync(file, 'policies:\n  default:\n    P1: { first_response: 15m, resolution: 2h }\n');
    const out = slaCheck(loadConfig({ DESKMAIL_SLA: file }), file);
    expect(out).toContain(`${file}: ok — 2 SLA policies (default, vip), around the clock, auto-assignment off`);
    expect(out).toMatch(/default\s+P1\s+15m\s+2h/);
    expect(out).toMatch(/vip\s+P1\s+30m\s+2h/);
    expect(out).toContain('auto-close resolved:      after 2d (elapsed; from the file)');
    writeFileSync(file, 'policies:\n  gold: {}\n');
    expect(() => slaCheck(loadConfig({ DESKMAIL_SLA: file }), file)).not.toThrow();
  });
});
