/**
 * Quote strippers measured on ../shared/corpus: exact matches and messages per second.
 * `npx tsx bench/quotes.ts` prints the table; test/corpus/quotes.test.ts prints it and asserts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import EmailReplyParser from 'email-reply-parser';
import { stripQuotes } from '../src/mail/quotes.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const corpusDir = join(repoRoot, '..', 'shared', 'corpus');

export interface Case {
  name: string;
  input: string;
  /** Every text the stripped reply must equal (after normalize). */
  expected: string[];
}

export interface Corpus {
  name: string;
  cases: Case[];
}

/** The corpus README's comparison: trailing white space of each line and outer blank lines ignored. */
export function normalize(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

/** discourse/email_reply_trimmer: test/emails/X.txt must become test/trimmed/X.txt. */
export function loadTrimmer(root = corpusDir): Corpus {
  const dir = join(root, 'email_reply_trimmer', 'test');
  const cases = readdirSync(join(dir, 'emails'))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => ({
      name: f,
      input: readFileSync(join(dir, 'emails', f), 'utf8'),
      expected: [readFileSync(join(dir, 'trimmed', f), 'utf8')],
    }));
  return { name: 'email_reply_trimmer', cases };
}

const EXACT_KINDS = new Set(['first_fragment_equals', 'first_fragment_trimmed_equals', 'visible_text_equals', 'visible_text_trimmed_equals']);

interface CrispExpected {
  cases: Record<string, { checks: { kind: string; value?: unknown }[] }>;
}

/**
 * crisp-oss/email-reply-parser: every fixture with an exact assertion on its first fragment or
 * visible text (expected.json); a case passes when all of its exact assertions hold.
 */
export function loadCrisp(root = corpusDir): Corpus {
  const dir = join(root, 'reply_parser_fixtures', 'crisp-oss');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as CrispExpected;
  const cases: Case[] = [];
  for (const [file, { checks }] of Object.entries(expected.cases)) {
    const values = checks.filter((c) => EXACT_KINDS.has(c.kind) && typeof c.value === 'string').map((c) => c.value as string);
    if (values.length > 0) cases.push({ name: file.replace(/^test\/fixtures\//, ''), input: readFileSync(join(dir, file), 'utf8'), expected: values });
  }
  return { name: 'crisp-oss first fragment', cases };
}

/** Why the corpus cannot be read, in one line; undefined when it is there. */
export function corpusProblem(root = corpusDir): string | undefined {
  const needed = [join(root, 'email_reply_trimmer', 'test', 'emails'), join(root, 'reply_parser_fixtures', 'crisp-oss', 'expected.json')];
  const missing = needed.filter((p) => !existsSync(p));
  return missing.length === 0 ? undefined : `quote corpus missing: ${missing.join(', ')} (../shared/corpus must sit beside the repository)`;
}

export type Stripper = (text: string) => string;

const parser = new EmailReplyParser();
export const strippers: Record<string, Stripper> = {
  'deskmail stripQuotes': stripQuotes,
  'email-reply-parser parseReply': (text) => parser.parseReply(text),
  'email-reply-parser, then stripQuotes': (text) => stripQuotes(parser.parseReply(text)),
};

export interface Score {
  passed: number;
  total: number;
  failed: string[];
}

export function score(strip: Stripper, corpus: Corpus): Score {
  const failed = corpus.cases.filter((c) => {
    const got = normalize(strip(c.input));
    return !c.expected.every((e) => normalize(e) === got);
  });
  return { passed: corpus.cases.length - failed.length, total: corpus.cases.length, failed: failed.map((c) => c.name) };
}

/** Messages per second over all inputs, measured for at least `ms` milliseconds. */
export function throughput(strip: Stripper, inputs: string[], ms = 300): number {
  for (const input of inputs) strip(input); // warm up
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (const input of inputs) strip(input);
    count += inputs.length;
    elapsed = performance.now() - started;
  }
  return Math.round((count / elapsed) * 1000);
}

export interface Row {
  stripper: string;
  scores: Score[];
  msgPerSecond: number;
}

export function measure(corpora: Corpus[], ms = 300): Row[] {
  const inputs = corpora.flatMap((c) => c.cases.map((k) => k.input));
  return Object.entries(strippers).map(([name, strip]) => ({
    stripper: name,
    scores: corpora.map((c) => score(strip, c)),
    msgPerSecond: throughput(strip, inputs, ms),
  }));
}

const pct = (s: Score): string => `${s.passed}/${s.total} (${((100 * s.passed) / s.total).toFixed(1)} %)`;

export function table(corpora: Corpus[], rows: Row[]): string {
  const header = ['stripper', ...corpora.map((c) => c.name), 'msg/s'];
  const body = rows.map((r) => [r.stripper, ...r.scores.map(pct), String(r.msgPerSecond)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = corpusProblem();
  if (problem) {
    console.error(problem);
    process.exit(2);
  }
  const corpora = [loadTrimmer(), loadCrisp()];
  const rows = measure(corpora, 1000);
  console.log(table(corpora, rows));
  const mine = rows[0]!;
  mine.scores.forEach((s, i) => {
    if (s.failed.length > 0) console.log(`${corpora[i]!.name}, not exact: ${s.failed.join(', ')}`);
  });
}
