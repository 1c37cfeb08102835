/**
 * Working time: the hours a helpdesk answers, in its own time zone, with weekends and holidays
 * off. Pure; the clock is always an argument. Works a window at a time (a working day is one
 * interval in UTC), so a week-long target is a few dozen steps, and daylight-saving changes fall
 * out of asking Intl for the local time of each window's ends.
 */
export interface BusinessHours {
  /** IANA zone, e.g. Europe/Berlin. */
  timezone: string;
  /** 0 = Sunday … 6 = Saturday: the days a window starts on. */
  days: number[];
  /** Minutes after local midnight. An end at or before the start means the window runs overnight into the next day. */
  startMinute: number;
  endMinute: number;
  /** Local dates (YYYY-MM-DD) with no window starting on them. */
  holidays: string[];
}

const MINUTE = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timezone, f);
  }
  return f;
}

/** Throws a RangeError for a zone Intl does not know. */
export function assertTimezone(timezone: string): void {
  formatter(timezone);
}

/** The wall-clock reading of an instant in a zone, as if that reading were UTC (milliseconds). */
function wallClock(instant: number, timezone: string): number {
  const parts = formatter(timezone).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
}

/** The local calendar date of an instant, as UTC midnight of that date. */
function localDate(instant: number, timezone: string): number {
  const wall = wallClock(instant, timezone);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * The instant a wall-clock time happens in a zone (two rounds of offset lookup settle across a
 * daylight-saving change; a skipped or repeated local time maps to one of its neighbours).
 */
export function zonedInstant(wall: number, timezone: string): number {
  const first = wall - (wallClock(wall, timezone) - wall);
  return wall - (wallClock(first, timezone) - first);
}

function isoDate(day: number): string {
  return new Date(day).toISOString().slice(0, 10);
}

/** The working window that starts on a local date (UTC midnight of that date), or undefined on a day off. */
function windowOn(day: number, hours: BusinessHours): { start: number; end: number } | undefined {
  if (!hours.days.includes(new Date(day).getUTCDay()) || hours.holidays.includes(isoDate(day))) return undefined;
  const overnight = hours.endMinute <= hours.startMinute;
  const start = zonedInstant(day + hours.startMinute * MINUTE, hours.timezone);
  const end = zonedInstant(day + (overnight ? DAY_MS : 0) + hours.endMinute * MINUTE, hours.timezone);
  return end > start ? { start, end } : undefined;
}

/** Ten years of days without a single working window means a calendar with no working time at all. */
const MAX_DAYS = 3660;

/**
 * `start` plus `minutes` of working time. Without business hours, plain elapsed time. Time
 * before the first window counts from its opening, so a mail on Saturday is due Monday.
 */
export function addWorkingMinutes(start: Date, minutes: number, hours: BusinessHours | undefined): Date {
  if (!hours) return new Date(start.getTime() + minutes * MINUTE);
  let left = minutes * MINUTE;
  const t0 = start.getTime();
  // From the day before: an overnight window that began yesterday may still be open.
  let day = localDate(t0, hours.timezone) - DAY_MS;
  for (let i = 0; i < MAX_DAYS; i++, day += DAY_MS) {
    const w = windowOn(day, hours);
    if (!w || w.end <= t0) continue;
    const from = Math.max(w.start, t0);
    if (left <= w.end - from) return new Date(from + left);
    left -= w.end - from;
  }
  throw new RangeError('business hours leave no working time in ten years');
}

/** Is this instant inside a working window? */
export function isWorkingTime(at: Date, hours: BusinessHours): boolean {
  const t = at.getTime();
  const day = localDate(t, hours.timezone);
  return [day - DAY_MS, day].some((d) => {
    const w = windowOn(d, hours);
    return w !== undefined && w.start <= t && t < w.end;
  });
}

/** The length of one working day in minutes (for "1 working day"); 24 h without business hours. */
export function workingDayMinutes(hours: BusinessHours | undefined): number {
  if (!hours) return 24 * 60;
  const span = hours.endMinute - hours.startMinute;
  return span > 0 ? span : span + 24 * 60;
}
