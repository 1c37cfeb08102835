import { describe, expect, it } from 'vitest';
import { backlog } from '../../bench/corpus.js';
import { jsonSafe, percentile } from '../../bench/stats.js';
import { parseMail } from '../../src/mail/parse.js';

describe('bench figures', () => {
  it('percentiles are nearest-rank over unsorted samples', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 99)).toBe(10);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
  });

  it('a figure that could not be measured is null in the JSON line, not NaN', () => {
    expect(JSON.stringify(jsonSafe({ a: NaN, b: 1.5, c: 'x' }))).toBe('{"a":null,"b":1.5,"c":"x"}');
  });
});

describe('bench backlog', () => {
  const mails = backlog({ count: 400, helpdesk: 'support@helpdesk.test', runId: 't' });

  it('mixes new requests and replies, 2–10 KB each, some with attachments', () => {
    const share = mails.filter((m) => m.isNew).length / mails.length;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.8);
    for (const m of mails) {
      expect(m.raw.length).toBeGreaterThanOrEqual(2000);
      expect(m.raw.length).toBeLessThanOrEqual(10.5 * 1024);
    }
    expect(mails.filter((m) => m.raw.includes('Content-Disposition: attachment')).length).toBeGreaterThan(20);
  });

  it('puts every reply after the request it answers, and no customer gets more than 20 acknowledgments', async () => {
    const seen = new Set<string>();
    const perCustomer = new Map<string, number>();
    for (const m of mails) {
      const parsed = await parseMail(m.raw);
      expect(parsed.messageId).toBe(m.messageId);
      if (m.isNew) perCustomer.set(m.customer, (perCustomer.get(m.customer) ?? 0) + 1);
      else expect(seen.has(parsed.inReplyTo!)).toBe(true);
      seen.add(m.messageId);
    }
    expect(Math.max(...perCustomer.values())).toBeLessThanOrEqual(20);
  });

  it('is the same backlog for the same seed', () => {
    const again = backlog({ count: 400, helpdesk: 'support@helpdesk.test', runId: 't' });
    expect(again.map((m) => m.isNew)).toEqual(mails.map((m) => m.isNew));
  });
});
