import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeskmailError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { loadRules, parseRules, shippedRulesPath, summariseRules, watchRules, type LoadResult } from '../../src/rules-file.js';
import type { ConfigWatcher, Parsed } from '../../src/config-watcher.js';
import { evaluateRules, type RuleSet } from '../../src/ticket/rules.js';
import { parsedMessage } from '../support/raw-mail.js';

/** A small valid file whose rules start at line 4. */
const HEAD = 'match: all\ncategories: [Billing, Other]\nrules:\n';

function errorOf(result: LoadResult): string {
  if (result.ok) throw new Error('expected the file to be refused');
  return result.error;
}

describe('loading the shipped rules', () => {
  it('config/rules.yaml loads cleanly', () => {
    const result = loadRules(shippedRulesPath());
    if (!result.ok) throw new Error(result.error);
    expect(summariseRules(result.rules)).toMatch(/^\d+ rules \(match: all\), 0 VIP senders, duplicates within 72 h at similarity 0\.8 \(linked\)$/);
  });
});

describe('a broken rules file is refused with one line naming file and line', () => {
  const cases: [string, string, string][] = [
    ['bad YAML (an unclosed flow map)', `${HEAD}  - name: a\n    then: { category: Billing\n`, 'rules.yaml:6:1: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }'],
    ['a tab used for indentation', 'match: all\nrules:\n\t- name: a\n', 'rules.yaml:3:1: invalid YAML: Tabs are not allowed as indentation'],
    ['a key given twice', 'match: all\nmatch: first\nrules: []\n', 'rules.yaml:2:1: invalid YAML: Map keys must be unique'],
    ['an unknown top-level key', 'match: all\nrule: []\n', 'rules.yaml:2:1: top level: unknown key "rule" (did you mean "rules"?) (and 1 more problem)'],
    ['an unknown action', `${HEAD}  - name: a\n    then:\n      categroy: Billing\n`, 'rules.yaml:6:7: rules[0].then: unknown key "categroy" (did you mean "category"?)'],
    ['an unknown condition', `${HEAD}  - name: a\n    when:\n      subjet: { contains: [x] }\n    then: { category: Billing }\n`, 'rules.yaml:6:7: rules[0].when.subjet: unknown key "subjet" (did you mean "subject"?)'],
    ['an unknown matcher', `${HEAD}  - name: a\n    when:\n      subject: { contain: [x] }\n    then: { category: Billing }\n`, 'rules.yaml:6:18: rules[0].when.subject.contain: unknown key "contain" (did you mean "contains"?)'],
    ['a bad regex, deep in a condition', `${HEAD}  - name: a\n    when:\n      any:\n        - subject: { contains: [y] }\n        - body: { regex: "order (\\\\d+" }\n    then: { category: Billing }\n`, 'rules.yaml:8:19: rules[0].when.any[1].body.regex: invalid regex "order (\\\\d+": Invalid regular expression: /order (\\d+/i: Unterminated group'],
    ['a stateful regex flag', `${HEAD}  - name: a\n    when: { subject: { regex: "/x/g" } }\n    then: { category: Billing }\n`, 'rules.yaml:5:24: rules[0].when.subject.regex: invalid regex "/x/g": unsupported regex flag "g" (use i, m, s or u)'],
    ['a bad priority', `${HEAD}  - name: a\n    then:\n      priority: P9\n`, 'rules.yaml:6:7: rules[0].then.priority: priority must be P1..P4 or critical, high, medium, low (got "P9")'],
    ['a category not in categories', `${HEAD}  - name: a\n    then: { category: Biling }\n`, 'rules.yaml:5:13: rules[0].then.category: category "Biling" is not in categories: (Billing, Other)'],
    ['no rules key', 'match: all\n', 'rules.yaml:1:1: top level: missing "rules:"'],
    ['a rule without a name', `${HEAD}  - then: { category: Billing }\n`, 'rules.yaml:4:5: rules[0]: missing "name:"'],
    ['two rules with one name', `${HEAD}  - name: a\n    then: { category: Billing }\n  - name: A\n    then: { category: Billing }\n`, 'rules.yaml:6:5: rules[1].name: rule name "A" is used twice (also rules[0]); names appear in the decision record'],
    ['two tests in one condition', `${HEAD}  - name: a\n    when:\n      subject: { contains: [x] }\n      body: { contains: [y] }\n    then: { category: Billing }\n`, 'rules.yaml:5:5: rules[0].when: a condition holds one test, found subject, body; combine them with all: [...] or any: [...]'],
    ['two matchers in one test', `${HEAD}  - name: a\n    when:\n      subject: { contains: [x], words: [y] }\n    then: { category: Billing }\n`, 'rules.yaml:6:7: rules[0].when.subject: takes one test, found contains and words; combine tests with all: [...]'],
    ['an empty keyword', `${HEAD}  - name: a\n    when:\n      subject: { contains: [""] }\n    then: { category: Billing }\n`, 'rules.yaml:6:29: rules[0].when.subject.contains[0]: contains has an empty value, which would match every mail'],
    ['a list where a list of conditions belongs is a map', `${HEAD}  - name: a\n    when: { any: { subject: { contains: x } } }\n    then: { tags: [x] }\n`, 'rules.yaml:5:13: rules[0].when.any: any takes a list of conditions, got a map'],
    ['a header test without a name', `${HEAD}  - name: a\n    when: { header: { exists: true } }\n    then: { tags: [x] }\n`, 'rules.yaml:5:13: rules[0].when.header: header needs name: (the header field, e.g. X-Priority)'],
    ['a rule that does nothing', `${HEAD}  - name: a\n`, 'rules.yaml:4:5: rules[0]: rule "a" does nothing: give it then: (actions) or stop: true'],
    ['a tag with a space', `${HEAD}  - name: a\n    then: { tags: ["two words"] }\n`, 'rules.yaml:5:20: rules[0].then.tags[0]: a tag is one word without spaces or commas (got "two words")'],
    ['an assignee that is not an address', `${HEAD}  - name: a\n    then: { assign: bob }\n`, 'rules.yaml:5:13: rules[0].then.assign: expected an email address'],
    ['a VIP entry that is neither address nor @domain', 'vip:\n  senders:\n    - ceo@big.example\n    - big.example\nrules: []\n', 'rules.yaml:4:7: vip.senders[1]: expected an address (ceo@example.com) or a domain (@example.com)'],
    ['a similarity above 1', 'duplicates:\n  similarity: 1.5\nrules: []\n', 'rules.yaml:2:3: duplicates.similarity: Too big: expected number to be <=1'],
    ['an unknown match mode', 'match: some\nrules: []\n', 'rules.yaml:1:1: match: expected one of "all"|"first"'],
    ['an empty file', '# nothing yet\n', 'rules.yaml:1:1: the rules file is empty (expected match:, rules: ...)'],
  ];
  it.each(cases)('%s', (_name, source, expected) => {
    const error = errorOf(parseRules(source, 'rules.yaml'));
    expect(error).toBe(expected);
    expect(error).not.toContain('\n');
  });

  it('several problems: the first by line is reported, and the rest counted', () => {
    const error = errorOf(parseRules(`${HEAD}  - name: a\n    then: { priority: P9 }\n  - name: b\n    then: { categroy: x }\n`, 'rules.yaml'));
    expect(error).toBe('rules.yaml:5:13: rules[0].then.priority: priority must be P1..P4 or critical, high, medium, low (got "P9") (and 1 more problem)');
  });

  it('a missing file is one line too', () => {
    expect(errorOf(loadRules('/nonexistent/rules.yaml'))).toBe('/nonexistent/rules.yaml: cannot read the rules file: no such file');
  });

  it('the file name in the line is the path as given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskmail-rules-'));
    try {
      const file = join(dir, 'rules.yaml');
      writeFileSync(file, 'match: all\nrules:\n  - name: a\n    then: { priority: P7 }\n');
      expect(errorOf(loadRules(file))).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:13: `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what a valid file may say', () => {
  it('one keyword without a list, numbers as text, priority words and #tags', async () => {
    const source = [
      'match: first',
      'rules:',
      '  - name: 42',
      '    when:',
      '      all:',
      '        - subject: { contains: refund }',
      '        - header: { name: X-Priority, equals: 1 }',
      '    then: { priority: critical, tags: ["#Money", money] }',
    ].join('\n');
    const result = parseRules(source, 'rules.yaml');
    if (!result.ok) throw new Error(result.error);
    const m = await parsedMessage(['From: a@example.test', 'To: s@helpdesk.test', 'Subject: Refund', 'X-Priority: 1']);
    const t = evaluateRules(result.rules, m);
    expect(t).toMatchObject({ priority: 'P1', tags: ['money'] });
    expect(t.matched[0]?.rule).toBe('42');
  });

  it('an empty vip senders list (every example commented out) is an empty list', () => {
    const result = parseRules('vip:\n  senders:\n  # - ceo@big.example\nrules: []\n', 'rules.yaml');
    if (!result.ok) throw new Error(result.error);
    expect(result.rules.vipSenders).toEqual([]);
  });

  it('duplicates settings are read, defaults filled in', () => {
    const result = parseRules('duplicates:\n  window_hours: 24\n  merge: true\nrules: []\n', 'rules.yaml');
    if (!result.ok) throw new Error(result.error);
    expect(result.rules.duplicates).toEqual({ windowHours: 24, similarity: 0.8, merge: true });
  });

  it('a rule may only stop (an exclusion before the other rules)', () => {
    const result = parseRules('rules:\n  - name: newsletters\n    when: { header: { name: List-Id, exists: true } }\n    stop: true\n', 'rules.yaml');
    expect(result.ok).toBe(true);
  });
});

describe('watchRules', () => {
  let dir: string;
  let file: string;
  let logged: string[];
  let results: Parsed<RuleSet>[];
  let watcher: ConfigWatcher<RuleSet> | undefined;

  const ruleFile = (category: string): string => `rules:\n  - name: everything\n    then: { category: ${category} }\n`;
  const log = () =>
    createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          logged.push(...chunk.toString().split('\n').filter(Boolean));
          done();
        },
      }),
    });
  const categoryNow = async (): Promise<string | undefined> =>
    evaluateRules(watcher!.value, await parsedMessage(['From: a@example.test', 'To: s@helpdesk.test', 'Subject: hi'])).category;
  async function until(what: () => boolean, ms = 5_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error('timed out waiting for the watcher');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deskmail-rules-'));
    file = join(dir, 'rules.yaml');
    logged = [];
    results = [];
    writeFileSync(file, ruleFile('First'));
  });
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('picks up a change without a restart', async () => {
    watcher = watchRules(file, log(), { pollMs: 50, onReload: (r) => results.push(r) });
    expect(await categoryNow()).toBe('First');
    writeFileSync(file, ruleFile('Second'));
    await until(() => results.length > 0);
    expect(results[0]!.ok).toBe(true);
    expect(await categoryNow()).toBe('Second');
    expect(logged.some((l) => l.includes('rules reloaded: 1 rule (match: all)'))).toBe(true);
  });

  it('picks up a file replaced by rename, as editors save', async () => {
    watcher = watchRules(file, log(), { pollMs: 50, onReload: (r) => results.push(r) });
    writeFileSync(join(dir, '.rules.yaml.swp'), ruleFile('Renamed'));
    renameSync(join(dir, '.rules.yaml.swp'), file);
    await until(() => results.length > 0);
    expect(await categoryNow()).toBe('Renamed');
  });

  it('keeps the last good rules when the new file is broken, logs the line once, and recovers', async () => {
    watcher = watchRules(file, log(), { pollMs: 50, onReload: (r) => results.push(r) });
    writeFileSync(file, 'rules:\n  - name: everything\n    then: { priority: P9 }\n');
    await until(() => results.length > 0);
    expect(results[0]).toEqual({ ok: false, error: `${file}:3:13: rules[0].then.priority: priority must be P1..P4 or critical, high, medium, low (got "P9")` });
    expect(await categoryNow()).toBe('First');
    const errors = logged.filter((l) => l.includes('"level":50'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${file}:3:13: rules[0].then.priority`);
    expect(errors[0]).toContain('keeping the previous rules');

    // Unchanged content is not reported again by the poll.
    await new Promise((r) => setTimeout(r, 200));
    expect(results).toHaveLength(1);

    writeFileSync(file, ruleFile('Fixed'));
    await until(() => results.length > 1);
    expect(await categoryNow()).toBe('Fixed');
  });

  it('a file caught halfway through a save is not reported as broken', async () => {
    watcher = watchRules(file, log(), { pollMs: 20, settleMs: 400, onReload: (r) => results.push(r) });
    writeFileSync(file, 'rules:\n  - name: every');
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(file, ruleFile('Saved'));
    await until(() => results.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(results).toEqual([expect.objectContaining({ ok: true })]);
    expect(logged.filter((l) => l.includes('"level":50'))).toEqual([]);
    expect(await categoryNow()).toBe('Saved');
  });

  it('keeps the last good rules when the file disappears', async () => {
    watcher = watchRules(file, log(), { pollMs: 50, onReload: (r) => results.push(r) });
    rmSync(file);
    await until(() => results.length > 0);
    expect(results[0]).toEqual({ ok: false, error: `${file}: cannot read the rules file: no such file` });
    expect(await categoryNow()).toBe('First');
  });

  it('works from the poll alone (check() is what the poll and fs.watch call)', () => {
    watcher = watchRules(file, log(), { pollMs: 60_000 });
    expect(watcher.check()).toBeUndefined();
    writeFileSync(file, ruleFile('Polled'));
    expect(watcher.check()).toMatchObject({ ok: true });
    expect(watcher.value.rules[0]!.then.category).toBe('Polled');
  });

  it('refuses to start on a broken file: there are no last good rules yet', () => {
    writeFileSync(file, 'rules:\n  - name: a\n    then: { categroy: x }\n');
    let thrown: unknown;
    try {
      watcher = watchRules(file, log());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DeskmailError);
    expect((thrown as DeskmailError).code).toBe('CONFIG');
    expect((thrown as DeskmailError).message).toBe(`${file}:3:13: rules[0].then: unknown key "categroy" (did you mean "category"?)`);
  });

  it('the shipped file is what a fresh install watches', () => {
    writeFileSync(file, readFileSync(shippedRulesPath(), 'utf8'));
    watcher = watchRules(file, log());
    expect(watcher.value.rules.length).toBeGreaterThan(5);
  });
});
