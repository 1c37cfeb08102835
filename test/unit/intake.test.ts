import { describe, expect, it } from 'vitest';
import type { MailKind } from '../../src/mail/screen/index.js';
import { planIntake, type IntakePlan, type ThreadMatch } from '../../src/ticket/intake.js';

const MATCHED: ThreadMatch = { key: 'subject-tag', ref: 'HD-42', detail: '[HD-42] in the subject' };

type Expected = { action: 'open'; acknowledge: true } | { action: 'append'; acknowledge: false } | { action: 'drop' };

describe('planIntake: what each kind of mail does, with and without a ticket to thread to', () => {
  const table: [MailKind, 'matched' | 'not matched', string, Expected, RegExp][] = [
    ['human', 'not matched', 'opens a ticket and acknowledges it', { action: 'open', acknowledge: true }, /new request/],
    ['human', 'matched', 'is appended to the ticket, no acknowledgment', { action: 'append', acknowledge: false }, /reply to HD-42 \(by subject-tag\)/],
    ['auto-reply', 'not matched', 'is dropped', { action: 'drop' }, /automatic reply/],
    ['auto-reply', 'matched', 'is recorded on the ticket without a reply', { action: 'append', acknowledge: false }, /auto-reply about HD-42/],
    ['bounce', 'not matched', 'is dropped', { action: 'drop' }, /bounce/],
    ['bounce', 'matched', 'is recorded on the ticket without a reply', { action: 'append', acknowledge: false }, /bounce about HD-42/],
    ['loop', 'not matched', 'is dropped', { action: 'drop' }, /loop/],
    ['loop', 'matched', 'is dropped even though it names a ticket', { action: 'drop' }, /loop/],
  ];

  it.each(table)('%s mail, %s, %s', (kind, matched, _outcome, expected, reason) => {
    const plan: IntakePlan = planIntake(kind, matched === 'matched' ? MATCHED : undefined);
    expect(plan).toMatchObject(expected);
    expect(plan.reason).toMatch(reason);
  });

  it('covers every kind of mail', () => {
    const kinds: MailKind[] = ['human', 'auto-reply', 'bounce', 'loop'];
    expect(new Set(table.map(([kind]) => kind))).toEqual(new Set(kinds));
    expect(table).toHaveLength(kinds.length * 2);
  });

  it.each(['plus-address', 'subject-tag', 'references'] as const)('a reply threaded by %s is appended and names the key', (key) => {
    const plan = planIntake('human', { key, ref: 'HD-7', detail: 'x' });
    expect(plan).toMatchObject({ action: 'append', acknowledge: false });
    expect(plan.reason).toContain(key);
  });

  it('only a new request from a person is acknowledged', () => {
    const acknowledged = (['human', 'auto-reply', 'bounce', 'loop'] as const).flatMap((kind) =>
      [MATCHED, undefined].map((match) => planIntake(kind, match)).filter((p) => p.action !== 'drop' && p.acknowledge).map(() => kind),
    );
    expect(acknowledged).toEqual(['human']);
  });
});
