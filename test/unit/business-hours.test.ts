import { describe, expect, it } from 'vitest';
import { addWorkingMinutes, isWorkingTime, workingDayMinutes, type BusinessHours } from '../../src/ticket/business-hours.js';
import { DEFAULT_SLA, plannedTimers } from '../../src/ticket/sla.js';

const berlin: BusinessHours = { timezone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], startMinute: 9 * 60, endMinute: 17 * 60, holidays: [] };
const at = (iso: string): Date => new Date(iso);
const plus = (start: string, minutes: number, hours: BusinessHours | undefined): string => addWorkingMinutes(at(start), minutes, hours).toISOString();

describe('working time (controllable clock: every instant is an argument)', () => {
  it('without business hours, targets count elapsed time', () => {
    expect(plus('2026-11-28T12:00:00Z', 90, undefined)).toBe('2026-11-28T13:30:00.000Z');
  });

  it('inside a working day, minutes simply add up (Berlin is UTC+1 in November)', () => {
    expect(plus('2026-11-24T09:00:00Z', 60, berlin)).toBe('2026-11-24T10:00:00.000Z');
  });

  it('what is left at Friday\'s close carries over to Monday\'s opening', () => {
    // Fri 16:00 Berlin + 2 working hours = 1 h on Friday + 1 h on Monday → Mon 10:00 Berlin.
    expect(plus('2026-11-27T15:00:00Z', 120, berlin)).toBe('2026-11-30T09:00:00.000Z');
  });

  it('a mail on Saturday counts from Monday\'s opening', () => {
    expect(plus('2026-11-28T12:00:00Z', 30, berlin)).toBe('2026-11-30T08:30:00.000Z');
  });

  it('a mail before opening counts from the opening; after closing, from the next day\'s', () => {
    expect(plus('2026-11-24T05:00:00Z', 30, berlin)).toBe('2026-11-24T08:30:00.000Z');
    expect(plus('2026-11-24T19:00:00Z', 30, berlin)).toBe('2026-11-25T08:30:00.000Z');
  });

  it('a holiday is skipped like a weekend day', () => {
    const withHoliday = { ...berlin, holidays: ['2026-11-30'] };
    expect(plus('2026-11-28T12:00:00Z', 30, withHoliday)).toBe('2026-12-01T08:30:00.000Z');
  });

  it('the same clock reads differently in another time zone', () => {
    const newYork = { ...berlin, timezone: 'America/New_York' };
    // Tue 09:00 UTC is 04:00 in New York: the day opens at 14:00 UTC.
    expect(plus('2026-11-24T09:00:00Z', 60, newYork)).toBe('2026-11-24T15:00:00.000Z');
  });

  it('keeps local opening hours across a daylight-saving change', () => {
    // Berlin moves to CEST on Sunday 29 March 2026: Friday closes at 16:00 UTC, Monday opens at 07:00 UTC.
    expect(plus('2026-03-27T15:00:00Z', 120, berlin)).toBe('2026-03-30T08:00:00.000Z');
  });

  it('an overnight shift (22:00–06:00) runs past midnight and belongs to the day it starts', () => {
    const nights: BusinessHours = { timezone: 'UTC', days: [5], startMinute: 22 * 60, endMinute: 6 * 60, holidays: [] };
    expect(isWorkingTime(at('2026-11-28T02:00:00Z'), nights)).toBe(true); // Saturday 02:00, Friday's shift
    expect(isWorkingTime(at('2026-11-28T22:30:00Z'), nights)).toBe(false); // Saturday's night: not a working day
    // From Saturday 05:00: one hour left of Friday's shift, then the next Friday night.
    expect(plus('2026-11-28T05:00:00Z', 120, nights)).toBe('2026-12-04T23:00:00.000Z');
  });

  it('a working day is the business day\'s length (24 h without business hours)', () => {
    expect(workingDayMinutes(berlin)).toBe(480);
    expect(workingDayMinutes({ ...berlin, startMinute: 22 * 60, endMinute: 6 * 60 })).toBe(480);
    expect(workingDayMinutes(undefined)).toBe(1440);
  });

  it('SLA timers follow business hours: a P3 mail late on Friday is due Monday afternoon', () => {
    const timers = plannedTimers(
      { status: 'new', priority: 'P3', slaPolicy: null, createdAt: at('2026-11-27T15:00:00Z'), firstResponseAt: null, lastCustomerUpdateAt: at('2026-11-27T15:00:00Z'), resolvedAt: null, escalated: false },
      { ...DEFAULT_SLA, businessHours: berlin },
    );
    // 8 working hours: 1 on Friday, 7 on Monday (09:00–16:00 Berlin).
    expect(timers.find((t) => t.kind === 'first_response_breached')?.dueAt.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    // Open-too-long counts elapsed time: 3 calendar days.
    expect(timers.find((t) => t.kind === 'open_too_long')?.dueAt.toISOString()).toBe('2026-11-30T15:00:00.000Z');
  });
});
