import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { messageIdsIn, parseMail, type InboundMail } from '../../src/mail/parse.js';
import { bounceDetails, isPermanentFailure, screenMail, type BounceDetails, type MailKind } from '../../src/mail/screen/index.js';

/**
 * sisimai's 501 real bounces (../shared/corpus/sisimai, see its README): each must be screened as
 * automated mail, bounces must name the recipient that failed and the Message-ID of the mail
 * that bounced. Scores are printed; the assertions are the floor we keep.
 */
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpusRoot = join(repoRoot, '..', 'shared', 'corpus');
const sisimaiRoot = join(corpusRoot, 'sisimai');
const expectedFile = join(sisimaiRoot, 'expected', 'sisimai-expected.json');
const bsdDir = join(sisimaiRoot, 'set-of-emails', 'maildir', 'bsd');
const notDir = join(sisimaiRoot, 'set-of-emails', 'maildir', 'not');
const corpusPresent = existsSync(expectedFile) && existsSync(bsdDir) && existsSync(notDir);

const CTX = { helpdeskAddress: 'support@helpdesk.test', loopToken: 'support@helpdesk.test' };

/** sisimai's categories, as deskmail names them. */
const KIND_OF_CATEGORY: Record<string, MailKind> = {
  bounce: 'bounce',
  auto_reply: 'auto-reply',
  feedback_report_arf: 'feedback-report',
  delivery_success_dsn: 'delivery-notice',
};

interface Expected {
  category: string;
  recipients: { dsn: string; replycode: string; reason: string }[];
}

interface Screened {
  file: string;
  raw: Buffer;
  mail: InboundMail;
  kind: MailKind;
  stage: string;
  expected: Expected;
  details: BounceDetails;
}

const percent = (n: number, of: number): string => `${n}/${of} (${of === 0 ? 0 : ((100 * n) / of).toFixed(1)} %)`;

/** sisimai writes its own pseudo codes (x.0.9xx) where the bounce gives none; those cannot be matched. */
const isRealStatus = (dsn: string): boolean => /^[245]\.\d{1,3}\.\d{1,3}$/.test(dsn) && !/^\d\.0\.9\d\d$/.test(dsn);

/** Message-IDs anywhere in the raw source other than the bounce's own (header lines, quoted or indented). */
function otherMessageIds(raw: Buffer, own: string): string[] {
  return [...raw.toString('latin1').matchAll(/^[ \t>]*message-id[ \t]*:[ \t]*(.*)$/gim)].flatMap((m) => messageIdsIn(m[1]!)).filter((id) => id !== own);
}

if (!corpusPresent) {
  describe('sisimai corpus', () => {
    it('is present beside the project', () => {
      const why = process.env['CI'] === 'true' ? 'CI=true requires it' : 'fetch ../shared/corpus (see its README) to run the conformance tests';
      expect.fail(`sisimai corpus not found at ${sisimaiRoot} — ${why}`);
    });
  });
} else {
  describe('sisimai corpus: screening and bounce details', () => {
    const expected = (JSON.parse(readFileSync(expectedFile, 'utf8')) as { expected: Record<string, Expected> }).expected;
    const bsdFiles = readdirSync(bsdDir).filter((f) => f.endsWith('.eml')).sort();
    const notFiles = readdirSync(notDir).filter((f) => f.endsWith('.eml')).sort();
    const screened: Screened[] = [];
    const parseFailures: string[] = [];

    beforeAll(async () => {
      for (const file of bsdFiles) {
        const raw = readFileSync(join(bsdDir, file));
        let mail: InboundMail;
        try {
          mail = await parseMail(raw);
        } catch (err) {
          parseFailures.push(`${file}: ${(err as Error).message}`);
          continue;
        }
        const { kind, decision } = screenMail(mail, CTX);
        const exp = expected[`maildir/bsd/${file}`];
        if (!exp) throw new Error(`sisimai-expected.json has no entry for maildir/bsd/${file}`);
        screened.push({ file, raw, mail, kind, stage: decision.stage, expected: exp, details: bounceDetails(mail, raw) });
      }
    });

    it('holds the 501 bounce files the README promises, each with an expected category', () => {
      expect(bsdFiles.length).toBe(501);
      expect(Object.keys(expected).length).toBe(bsdFiles.length);
    });

    it('parses every corpus file without throwing', async () => {
      for (const file of notFiles) {
        await parseMail(readFileSync(join(notDir, file))).catch((err: Error) => parseFailures.push(`${file}: ${err.message}`));
      }
      expect(parseFailures).toEqual([]);
    });

    it('screens every bsd/ file as automated mail, never human', () => {
      const kinds: MailKind[] = ['bounce', 'feedback-report', 'delivery-notice', 'auto-reply', 'loop', 'human'];
      const categories = [...new Set(screened.map((s) => s.expected.category))].sort();
      const table = categories.map((category) => {
        const row = screened.filter((s) => s.expected.category === category);
        return `  ${category.padEnd(22)}${kinds.map((k) => String(row.filter((s) => s.kind === k).length).padStart(17)).join('')}`;
      });
      const stages = new Map<string, number>();
      for (const s of screened) stages.set(s.stage, (stages.get(s.stage) ?? 0) + 1);
      const exact = screened.filter((s) => KIND_OF_CATEGORY[s.expected.category] === s.kind);
      const humans = screened.filter((s) => s.kind === 'human');
      console.log(
        [
          'sisimai bsd/: expected category (rows) × screened kind (columns)',
          `  ${'expected'.padEnd(22)}${kinds.map((k) => k.padStart(17)).join('')}`,
          ...table,
          `  not human: ${percent(screened.length - humans.length, screened.length)}; exact category: ${percent(exact.length, screened.length)}`,
          `  deciding check: ${[...stages].sort((a, b) => b[1] - a[1]).map(([stage, n]) => `${stage} ${n}`).join(', ')}`,
          ...screened.filter((s) => KIND_OF_CATEGORY[s.expected.category] !== s.kind).map((s) => `  differs: ${s.file} expected ${s.expected.category}, screened ${s.kind} (${s.stage})`),
        ].join('\n'),
      );
      expect(screened.length).toBe(bsdFiles.length);
      expect(humans.map((s) => `${s.file}: ${s.mail.subject}`)).toEqual([]);
      expect(exact.length / screened.length).toBeGreaterThanOrEqual(0.99);
    });

    it('screens the ordinary mails in not/ as human', async () => {
      expect(notFiles.length).toBe(2);
      for (const file of notFiles) {
        const result = screenMail(await parseMail(readFileSync(join(notDir, file))), CTX);
        expect(result.kind, `${file}: ${result.decision.reason}`).toBe('human');
      }
    });

    it('finds the failed recipient of nearly every bounce, with its status', () => {
      const bounces = screened.filter((s) => s.expected.category === 'bounce');
      const withRecipient = bounces.filter((s) => s.details.recipients.length > 0);
      const sameCount = bounces.filter((s) => s.details.recipients.length === s.expected.recipients.length);
      const bySource = new Map<string, number>();
      for (const s of bounces) for (const r of s.details.recipients) bySource.set(r.source, (bySource.get(r.source) ?? 0) + 1);
      let comparable = 0;
      let statusMatches = 0;
      for (const s of bounces) {
        for (const e of s.expected.recipients) {
          if (!isRealStatus(e.dsn)) continue;
          comparable++;
          if (s.details.recipients.some((r) => r.status === e.dsn)) statusMatches++;
        }
      }
      const withStatus = bounces.filter((s) => s.details.recipients.some((r) => r.status !== undefined));
      const all = bounces.flatMap((s) => s.details.recipients);
      const failed = all.filter(isPermanentFailure);
      console.log(
        [
          `bounces with a failed recipient found: ${percent(withRecipient.length, bounces.length)}`,
          `  as many recipients as sisimai reports: ${percent(sameCount.length, bounces.length)}`,
          `  recipients by source: ${[...bySource].map(([k, n]) => `${k} ${n}`).join(', ')}`,
          `  with a status code: ${percent(withStatus.length, bounces.length)}; status equal to sisimai's (real RFC 3463 codes only, not its x.0.9xx): ${percent(statusMatches, comparable)}`,
          `  finally failed (isPermanentFailure): ${percent(failed.length, all.length)} of the recipients found; the rest are delay warnings`,
          ...bounces.filter((s) => s.details.recipients.length === 0).map((s) => `  no recipient: ${s.file}`),
        ].join('\n'),
      );
      expect(withRecipient.length / bounces.length).toBeGreaterThanOrEqual(0.95);
      expect(sameCount.length / bounces.length).toBeGreaterThanOrEqual(0.95);
      expect(statusMatches / comparable).toBeGreaterThanOrEqual(0.85);
      for (const s of bounces) {
        for (const r of s.details.recipients) expect(r.address, s.file).toMatch(/^[^\s@<>]+@[^\s@<>]+$/);
      }
    });

    it('finds the Message-ID of the bounced mail wherever the bounce still carries it', () => {
      const bounces = screened.filter((s) => s.expected.category === 'bounce');
      const found = bounces.filter((s) => s.details.originalMessageId !== undefined);
      const findable = bounces.filter((s) => otherMessageIds(s.raw, s.mail.messageId).length > 0);
      const missed = findable.filter((s) => s.details.originalMessageId === undefined);
      const bySource = new Map<string, number>();
      for (const s of found) bySource.set(s.details.originalMessageIdSource!, (bySource.get(s.details.originalMessageIdSource!) ?? 0) + 1);
      console.log(
        [
          `original Message-ID found: ${percent(found.length, bounces.length)}; of the bounces that carry any Message-ID besides their own: ${percent(findable.length - missed.length, findable.length)}`,
          `  by source: ${[...bySource].map(([k, n]) => `${k} ${n}`).join(', ')}`,
          ...missed.map((s) => `  missed: ${s.file}`),
        ].join('\n'),
      );
      expect(missed.map((s) => s.file)).toEqual([]);
      for (const s of found) expect(s.details.originalMessageId, s.file).not.toBe(s.mail.messageId);
    });

    it('reads the SES complaint and success notices as such, with their recipients', () => {
      for (const s of screened.filter((x) => x.expected.category !== 'bounce')) {
        expect(s.kind, s.file).toBe(KIND_OF_CATEGORY[s.expected.category]);
        expect(s.details.recipients.length, s.file).toBe(s.expected.recipients.length);
      }
    });
  });

  describe('reply corpora: mail written by people stays human', () => {
    const dirs = [join(corpusRoot, 'email_reply_trimmer', 'test'), join(corpusRoot, 'reply_parser_fixtures', 'crisp-oss')];
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : name.endsWith('.txt') ? [path] : [];
      });

    it('no reply body of a person is taken for a bounce or an auto-reply', async () => {
      const missing = dirs.filter((d) => !existsSync(d));
      if (missing.length > 0) expect.fail(`reply corpora not found: ${missing.join(', ')}`);
      const misread: string[] = [];
      const all = dirs.flatMap(files);
      for (const [i, path] of all.entries()) {
        const body = readFileSync(path, 'utf8').replace(/\r?\n/g, '\r\n');
        const raw = Buffer.from(`From: Ann Customer <ann@example.test>\r\nTo: support@helpdesk.test\r\nSubject: Re: my question\r\nMessage-ID: <r${i}@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`);
        const result = screenMail(await parseMail(raw), CTX);
        if (result.kind !== 'human') misread.push(`${path}: ${result.decision.reason}`);
      }
      console.log(`reply corpora: ${all.length - misread.length}/${all.length} human`);
      expect(all.length).toBeGreaterThan(100);
      expect(misread).toEqual([]);
    });
  });
}
