import { describe, expect, it } from 'vitest';
import { COMMENT_PROMPT, commentFromText, csatAddress, csatAddressClaim, csatLinks, ratingFromText } from '../../src/mail/csat.js';
import { threadKeys } from '../../src/mail/thread.js';
import { orphanRating, refusal, type CsatClaim } from '../../src/workflow/csat.js';
import type { InboundMail } from '../../src/mail/parse.js';

const HELPDESK = 'support@helpdesk.test';
const opts = { helpdeskAddress: HELPDESK, ticketPrefix: 'HD', secret: 's3cret' };

describe('signed rating addresses', () => {
  it('carry ticket, rating and a signature, and thread onto the ticket by the plus address', () => {
    const address = csatAddress(HELPDESK, 's3cret', 'HD-7', 4);
    expect(address).toMatch(/^support\+HD-7\.csat4\.[0-9a-f]{20}@helpdesk\.test$/);
    expect(csatAddressClaim([address], opts)).toEqual({ ref: 'HD-7', rating: 4, valid: true });
    const keys = threadKeys({ recipients: [address], subject: 'Rating 4', inReplyTo: undefined, references: [] } as unknown as InboundMail, { ticketPrefix: 'HD', helpdeskAddress: HELPDESK });
    expect(keys.plusRef).toBe('HD-7');
  });

  it.each([
    ['another rating with the same signature', () => csatAddress(HELPDESK, 's3cret', 'HD-7', 4).replace('.csat4.', '.csat5.')],
    ['another ticket with the same signature', () => csatAddress(HELPDESK, 's3cret', 'HD-7', 4).replace('HD-7', 'HD-8')],
    ['another secret', () => csatAddress(HELPDESK, 'other', 'HD-7', 4)],
    ['a rating out of range', () => 'support+HD-7.csat9.0123456789abcdef0123@helpdesk.test'],
    ['no signature', () => 'support+HD-7.csat5.@helpdesk.test'],
  ])('refuse %s', (_label, make) => {
    expect(csatAddressClaim([make()], opts)?.valid).toBe(false);
  });

  it('ignore ordinary and agent reply addresses', () => {
    expect(csatAddressClaim(['support+HD-7@helpdesk.test', 'support+HD-7.0123456789abcdef0123@helpdesk.test', HELPDESK], opts)).toBeUndefined();
  });

  it('make one mailto link per rating with a subject naming the ticket and a comment prompt', () => {
    const links = csatLinks(HELPDESK, 's3cret', 'HD-7');
    expect(links.map((l) => l.rating)).toEqual([5, 4, 3, 2, 1]);
    const url = new URL(links[0]!.href);
    expect(url.protocol).toBe('mailto:');
    expect(decodeURIComponent(url.pathname)).toBe(links[0]!.address);
    expect(url.searchParams.get('subject')).toBe('Rating 5 (Great) [HD-7]');
    expect(url.searchParams.get('body')).toContain(COMMENT_PROMPT);
  });
});

describe('a rating in a plain reply', () => {
  it.each([
    ['5', 5],
    ['4/5', 4],
    ['3 stars', 3],
    ['★★', 2],
    ['Great, thanks!', 5],
    ['good', 4],
    ['OK.', 3],
    ['bad', 2],
    ['Terrible', 1],
    ['very good', 5],
    ['  1  ', 1],
  ])('reads %j as %d', (line, rating) => {
    expect(ratingFromText(`${line}\n`)?.rating).toBe(rating);
  });

  it.each([
    '5 minutes after your fix it broke again',
    'Good morning, the printer is broken again.',
    'It is still not fixed',
    '10',
    '',
  ])('does not swallow a real message: %j', (body) => {
    expect(ratingFromText(body)).toBeUndefined();
  });

  it('keeps the lines after the rating as the comment, without the prompt', () => {
    expect(ratingFromText(`4\n${COMMENT_PROMPT}\nQuick, but I had to ask twice.`)).toEqual({ rating: 4, comment: 'Quick, but I had to ask twice.' });
    expect(commentFromText(`${COMMENT_PROMPT}\n\n`)).toBeNull();
    expect(commentFromText(`${COMMENT_PROMPT}\n\nLovely service`)).toBe('Lovely service');
  });
});

describe('when a rating is refused', () => {
  const claim: CsatClaim = { rating: 5, comment: null, valid: true, via: 'signed link' };
  const closed = { status: 'closed', requesterEmail: 'ann@example.test' };
  const surveyed = { surveyedAt: new Date('2026-11-01T00:00:00Z') };
  const base = { from: 'ann@example.test', participants: [], windowDays: 14, now: new Date('2026-11-05T00:00:00Z') };

  it('accepts the requester within the window', () => {
    expect(refusal(claim, closed, surveyed, base)).toBeUndefined();
    expect(refusal(claim, closed, surveyed, { ...base, from: 'cc@example.test', participants: ['cc@example.test'] })).toBeUndefined();
  });

  it.each([
    ['a bad signature', { claim: { ...claim, valid: false } }, /signature/],
    ['a reopened ticket', { ticket: { ...closed, status: 'in_progress' } }, /in progress, not closed/],
    ['no survey sent', { survey: undefined }, /no survey/],
    ['a stranger', { from: 'mallory@evil.test' }, /not the requester/],
    ['after the window', { now: new Date('2026-11-15T00:00:01Z') }, /window closed on 2026-11-15T00:00:00.000Z/],
  ] as const)('refuses %s', (_label, patch, reason) => {
    const p = patch as { claim?: CsatClaim; ticket?: typeof closed; survey?: typeof surveyed | undefined; from?: string; now?: Date };
    expect(refusal(p.claim ?? claim, p.ticket ?? closed, 'survey' in p ? p.survey : surveyed, { ...base, ...(p.from ? { from: p.from } : {}), ...(p.now ? { now: p.now } : {}) })).toMatch(reason);
  });
});

describe('a rating link whose ticket does not exist', () => {
  const deps = { config: { helpdeskAddress: HELPDESK, ticketPrefix: 'HD' }, secret: 's3cret' } as unknown as Parameters<typeof orphanRating>[1];
  it('is dropped with the reason, signed or not, and never opens a request', () => {
    expect(orphanRating({ recipients: [csatAddress(HELPDESK, 's3cret', 'HD-99', 5)] }, deps, undefined)).toEqual({
      action: 'drop',
      reason: 'a rating (survey link signed by us) for HD-99, which does not exist: dropped, no ticket opened',
    });
    expect(orphanRating({ recipients: [csatAddress(HELPDESK, 'guessed', 'HD-99', 5)] }, deps, undefined)).toMatchObject({
      action: 'drop',
      reason: expect.stringContaining('with a bad signature') as unknown as string,
    });
  });
  it('leaves every other mail to the usual plan', () => {
    expect(orphanRating({ recipients: [HELPDESK, 'support+HD-99@helpdesk.test'] }, deps, undefined)).toBeUndefined();
    expect(orphanRating({ recipients: [csatAddress(HELPDESK, 's3cret', 'HD-7', 5)] }, deps, { ref: 'HD-7' } as unknown as Parameters<typeof orphanRating>[2])).toBeUndefined();
  });
});
